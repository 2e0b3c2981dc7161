"""The one clock of the app, so tests can move time (check-ins, schedules, code expiry)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_offset = timedelta(0)


def now() -> datetime:
    """Current UTC time, shifted by whatever a test has advanced."""
    return datetime.now(timezone.utc) + _offset


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    """Back to real time (tests only)."""
    global _offset
    _offset = timedelta(0)
