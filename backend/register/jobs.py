"""The register's periodic driver: today's « Tout va bien ? » of open episodes, then the alerts."""

from __future__ import annotations

from typing import Any

from backend.lib import clock
from backend.register.episodes import run_episodes


async def drive_episodes(ctx: dict[str, Any]) -> dict[str, int]:
    """Every ~30 s in each worker process; idempotent (unique per episode and day, per person and day)."""
    return await run_episodes(ctx, clock.now())
