"""Alert events on the live stream (best effort: delivery records are the source of truth)."""

from __future__ import annotations

import logging

import msgspec
from litestar import Request

from backend.alerts.schemas import AlertOut

log = logging.getLogger(__name__)


async def publish_alert(request: Request, event_type: str, alert: AlertOut) -> None:
    try:
        from backend.live.service import LiveEvent, publish
    except ImportError:  # live stream not wired in this build
        return
    data = msgspec.to_builtins(alert)
    data.pop("delivery", None)
    await publish(request.app, LiveEvent(type=event_type, data=data, community_id=alert.community_id,
                                         moderators=event_type.startswith("moderation")))
