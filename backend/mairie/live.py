"""Dashboard events for the mairie staff, on the staff-only live channel `staff:{commune_id}`.

Event `dashboard.updated`, data `{commune_id, section, …}`: `section` names the dashboard
table that changed (broadcast_reach, safety_checks, forwarded_awaiting); the PWA refetches it
or uses the figures the event carries. Best effort, as every live event.
"""

from __future__ import annotations

from typing import Any

from backend.live.service import LiveEvent, publish


async def publish_dashboard(target: Any, commune_id: int, section: str, **data: Any) -> bool:
    """`target`: the app, `app.state`, a job's ctx or a Valkey client (see backend.live.service.publish)."""
    return await publish(target, LiveEvent(type="dashboard.updated", staff_commune_id=commune_id,
                                           data={"commune_id": commune_id, "section": section, **data}))
