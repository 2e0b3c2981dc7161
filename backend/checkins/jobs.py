"""Check-in jobs: the periodic driver (reminders at the hour, alerts after the grace period)."""

from __future__ import annotations

from typing import Any

from backend.lib import clock
from backend.checkins.escalation import run_due_checkins


async def drive_checkins(ctx: dict[str, Any]) -> dict[str, int]:
    """Every ~30 s in each worker process; idempotent (unique per check-in and period)."""
    return await run_due_checkins(ctx["queues"], clock.now())
