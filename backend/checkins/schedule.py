"""Check-in periods in local time (Europe/Paris): which period a moment falls in, when it is due."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from backend.delivery.service import LOCAL_TZ


def local_day(at: datetime) -> date:
    """The date in France at this instant."""
    return at.astimezone(LOCAL_TZ).date()


def period_of(day: date, starts_on: date, every_days: int) -> date | None:
    """The first day of the period `day` falls in (periods start on `starts_on`), None before it."""
    if day < starts_on:
        return None
    return starts_on + timedelta(days=(day - starts_on).days // every_days * every_days)


def due_at(period_date: date, check_time: str) -> datetime:
    """The UTC instant of `check_time` (local wall clock) on `period_date`."""
    hour, minute = (int(x) for x in check_time.split(":"))
    return datetime.combine(period_date, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def current_period(now: datetime, starts_on: date, every_days: int) -> date | None:
    """The first day of the period `now` falls in (None before `starts_on`)."""
    return period_of(local_day(now), starts_on, every_days)


def is_paused(period_date: date, paused_until: date | None) -> bool:
    """Whether the period starting on `period_date` falls in a pause."""
    return paused_until is not None and period_date <= paused_until
