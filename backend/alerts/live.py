"""Alert events on the live stream (best effort: delivery records are the source of truth).

An alert hidden or removed by the moderation is announced by its id and new state only
(`{id, community_id, moderation}`): its title and body must not reach members who may no
longer read it. The PWA drops such an alert from its lists (moderators refetch).
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from backend.alerts.schemas import AlertOut
from backend.live.service import LiveEvent, publish

log = logging.getLogger(__name__)

WITHDRAWN = ("hidden", "removed")


def event_data(alert: AlertOut) -> dict:
    """What the stream says about `alert`: all of it while members may read it, else id and state."""
    if alert.moderation in WITHDRAWN:
        return {"id": alert.id, "community_id": alert.community_id, "moderation": alert.moderation}
    data = msgspec.to_builtins(alert)
    data.pop("delivery", None)
    return data


async def publish_alert(target: Any, event_type: str, alert: AlertOut) -> None:
    """`target`: `app.state` or a job's ctx (anything `backend.live.service.publish` takes)."""
    await publish(target, LiveEvent(type=event_type, data=event_data(alert), community_id=alert.community_id,
                                    moderators=event_type.startswith("moderation")))
