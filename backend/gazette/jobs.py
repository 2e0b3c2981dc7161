"""Gazette jobs: importing this module registers its notification kinds (`vigie worker` loads it,
see backend/worker.py); a periodic purge of the cancelled carpools' copies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

import backend.gazette.notify  # noqa: F401  (registers the Gazette kinds for the fan-out)
from backend.gazette.tables import GazetteRideCancellation
from backend.lib import clock

CANCELLATION_KEPT = timedelta(days=7)


async def purge_ride_cancellations(ctx: dict[str, Any]) -> int:
    """A deleted carpool's copy (trip, passengers) leaves a week later: its notices are long sent."""
    gone = await GazetteRideCancellation.delete().where(
        GazetteRideCancellation.created_at < clock.now() - CANCELLATION_KEPT).returning(GazetteRideCancellation.id)
    return len(gone)


FUNCTIONS: dict = {}
PERIODIC: list[tuple[float, Callable[[dict[str, Any]], Any]]] = [(3600.0, purge_ride_cancellations)]
