"""Mairie jobs: scheduled broadcasts sent when due, and live reach figures for the dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec

from backend.delivery import service as delivery
from backend.lib import clock
from backend.mairie import broadcasts
from backend.mairie.live import publish_dashboard
from backend.mairie.notify import BROADCAST_KIND
from backend.mairie.tables import Broadcast

REACH_WATCH = timedelta(hours=24)
"""Broadcasts sent this recently have their reach figures pushed live when they change."""


async def publish_reach_changes(ctx: dict[str, Any]) -> int:
    """One grouped count for the recent broadcasts; a `dashboard.updated` event for each that changed."""
    rows = await Broadcast.select(Broadcast.id, Broadcast.commune).where(
        (Broadcast.status == "sent") & (Broadcast.sent_at >= clock.now() - REACH_WATCH))
    if not rows:
        return 0
    seen: dict[int, Any] = ctx.setdefault("mairie_reach", {})
    counts = await delivery.counts(BROADCAST_KIND, [r["id"] for r in rows])
    published = 0
    for r in rows:
        figures = msgspec.to_builtins(counts[r["id"]])
        if seen.get(r["id"]) != figures:
            seen[r["id"]] = figures
            await publish_dashboard(ctx, r["commune"], "broadcast_reach", broadcast_id=r["id"], delivery=figures)
            published += 1
    return published


async def maintenance(ctx: dict[str, Any]) -> None:
    """Send the scheduled broadcasts that are due, then push changed reach figures.

    Named `maintenance` so that it runs every `maintenance_interval_seconds` (backend.worker).
    """
    await broadcasts.dispatch_due(ctx)  # each one sent is enqueued and announced after its commit
    await publish_reach_changes(ctx)
