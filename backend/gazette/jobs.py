"""Gazette jobs: a periodic purge of the cancelled carpools' copies (wired in backend/gazette/domain.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backend.gazette.tables import GazetteRideCancellation
from backend.lib import clock

CANCELLATION_KEPT = timedelta(days=7)


async def purge_ride_cancellations(ctx: dict[str, Any]) -> int:
    """A deleted carpool's copy (trip, passengers) leaves a week later: its notices are long sent."""
    gone = await GazetteRideCancellation.delete().where(
        GazetteRideCancellation.created_at < clock.now() - CANCELLATION_KEPT).returning(GazetteRideCancellation.id)
    return len(gone)
