"""Message events on the live stream (best effort; the conversation stays the source of truth)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from backend.live.service import LiveEvent, publish
from backend.messages.schemas import MessageOut


async def announce(target: Any, message: MessageOut, listeners: list[int]) -> None:
    """`message.created` on the live stream of each listener (best effort, all at once).

    `target`: `app.state` or a job's ctx (anything `backend.live.service.publish` takes)."""
    data = msgspec.to_builtins(message)
    data.pop("mine", None)
    await asyncio.gather(*(publish(target, LiveEvent(type="message.created", data=data, user_id=user_id))
                           for user_id in dict.fromkeys(listeners)))
