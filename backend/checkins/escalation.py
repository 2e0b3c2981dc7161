"""The periods of a check-in: the person checks in, or is reminded at the hour; after the grace
period the watchers are alerted; one says "je passe voir"; someone says "tout va bien".
What people do (the person checks in, "je passe voir", "tout va bien", an "OK" by SMS) is in
`backend.checkins.actions`; this module drives the clock.

    (due) ──check-in──► checked_in
      │ at the hour: reminder to the person (push + SMS)
      ▼
    reminded ──check-in──► checked_in
      │ grace period over: alert to the accepted watchers (push + SMS, urgent)
      ▼
    escalated ──"je passe voir"──► someone_going ──"tout va bien"──► resolved
      └───────────────"tout va bien" / the person checks in──────────┘

`run_due_checkins(queues, now)` drives the clock-based steps; the periodic job calls it every
~30 s and it is idempotent (one round per check-in and period under a unique index, and each
step is a conditional UPDATE, so two workers never both remind or alert).

If no driver ran while a period ended (its hour and grace period passed with no round: workers
down, a deployment), the next run catches up: one alert to the watchers for the most recent
missed period, saying since when there has been no news (not one alert per missed day).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from backend.db import write_transaction
from backend.lib.french import moment_in_words
from backend.lib.queues import Queues
from backend.checkins import schedule
from backend.checkins.service import (
    Notifications, as_date, insert_round, move_round, record_event, record_notifying_event,
)
from backend.checkins.tables import Checkin, CheckinRound

log = logging.getLogger(__name__)


# The periodic driver --------------------------------------------------------------------------

async def run_due_checkins(queues: Queues | None, now: datetime) -> dict[str, int]:
    """Remind the people whose hour has come, alert the watchers of those still silent after the
    grace period. Safe to run often and from several workers at once."""
    pending = Notifications(queues)
    watched = await Checkin.raw(_ELIGIBLE, now)  # the check-ins being watched: both steps below use them
    caught_up = await _catch_up(watched, now, pending)  # first: it may fold a stale reminder into its alert
    escalated = await _escalate(now, pending)
    reminded = await _remind(watched, now, pending)
    return {"reminded": reminded, "escalated": escalated + caught_up, "caught_up": caught_up}


_ELIGIBLE = (
    "SELECT c.id, c.check_time, c.every_days, c.starts_on, c.paused_until, c.watch_from, c.grace_minutes, "
    "c.created_at FROM checkins c "
    "WHERE c.stopped_at IS NULL AND c.person_confirmation = 'confirmed' AND c.watch_from IS NOT NULL "
    "AND c.watch_from <= {} AND "
    "(SELECT COUNT(*) FROM checkin_watchers w WHERE w.checkin = c.id AND w.status = 'accepted') >= 2")


async def _remind(rows: list[dict[str, Any]], now: datetime, pending: Notifications) -> int:
    due: list[tuple[int, Any, datetime]] = []
    for row in rows:
        period = schedule.current_period(now, as_date(row["starts_on"]), row["every_days"])
        if period is None or schedule.is_paused(period, as_date(row["paused_until"])):
            continue
        at = schedule.due_at(period, row["check_time"])
        if at <= now and at >= _aware(row["watch_from"]):
            due.append((row["id"], period, at))
    if not due:
        return 0
    existing = await CheckinRound.select(CheckinRound.checkin, CheckinRound.period_date).where(
        CheckinRound.checkin.is_in([d[0] for d in due]) & CheckinRound.period_date.is_in(sorted({d[1] for d in due})))
    have = {(r["checkin"], as_date(r["period_date"])) for r in existing}
    done = 0
    for checkin_id, period, at in due:
        if (checkin_id, period) in have:
            continue
        async with write_transaction():
            round_id = await insert_round(checkin_id, period, at, "reminded", reminded_at=now)
            if round_id is not None:  # else another worker (or the person) was first
                await record_notifying_event(checkin_id, "reminded", pending, actor=None, round_id=round_id,
                                             source="system")
                done += 1
    return done


async def _escalate(now: datetime, pending: Notifications) -> int:
    rows = await CheckinRound.select(
        CheckinRound.id, CheckinRound.checkin, CheckinRound.period_date, CheckinRound.reminded_at,
        CheckinRound.checkin.grace_minutes, CheckinRound.checkin.paused_until, CheckinRound.checkin.stopped_at,
        CheckinRound.checkin.person_confirmation,
    ).where(CheckinRound.state == "reminded")
    done = 0
    for row in rows:
        if row["reminded_at"] + timedelta(minutes=row["checkin.grace_minutes"]) > now:
            continue
        stopped = row["checkin.stopped_at"] is not None
        unconfirmed = row["checkin.person_confirmation"] != "confirmed"  # never alert on someone else's word
        if stopped or unconfirmed or schedule.is_paused(as_date(row["period_date"]),
                                                        as_date(row["checkin.paused_until"])):
            async with write_transaction():
                if await move_round(row["id"], ("reminded",), {CheckinRound.state: "cancelled"}):
                    why = "veille arrêtée" if stopped else ("en attente de l'accord de la personne" if unconfirmed
                                                            else "veille en pause")
                    await record_event(row["checkin"], "cancelled", actor=None, round_id=row["id"], source="system",
                                       note=why)
            continue
        async with write_transaction():
            if await move_round(row["id"], ("reminded",), {CheckinRound.state: "escalated", CheckinRound.escalated_at: now}):
                await record_notifying_event(row["checkin"], "escalated", pending, actor=None, round_id=row["id"],
                                             source="system")
                done += 1
    return done


def _watched_since(row: dict[str, Any]) -> datetime:
    """Periods due before this instant are never alerted on (set up, accepted, resumed, rescheduled)."""
    return max(_aware(row["watch_from"]), _aware(row["created_at"]))


def _last_ended_period(row: dict[str, Any], now: datetime) -> tuple[date, datetime] | None:
    """The most recent period whose hour and grace period are over, if it is watched."""
    starts_on, every = as_date(row["starts_on"]), row["every_days"]
    period = schedule.current_period(now, starts_on, every)
    grace = timedelta(minutes=row["grace_minutes"])
    for _ in range(3):  # a late hour plus a long grace period can reach into the next day
        if period is None or period < starts_on:
            return None
        due = schedule.due_at(period, row["check_time"])
        if due + grace <= now:
            break
        period -= timedelta(days=every)
    else:
        return None
    if schedule.is_paused(period, as_date(row["paused_until"])) or due < _watched_since(row):
        return None
    return period, due


async def _catch_up(rows: list[dict[str, Any]], now: datetime, pending: Notifications) -> int:
    """Periods that ended with no round at all (no driver ran meanwhile): alert the watchers once,
    for the most recent one, unless the person has given news since."""
    candidates = [(row, found) for row in rows if (found := _last_ended_period(row, now)) is not None]
    if not candidates:
        return 0
    # Normally the round of that period exists (the driver reminded, or the person checked in).
    rounds = await CheckinRound.select(CheckinRound.checkin, CheckinRound.period_date).where(
        CheckinRound.checkin.is_in([row["id"] for row, _ in candidates])
        & (CheckinRound.period_date >= min(period for _, (period, _) in candidates)))
    have = {(r["checkin"], as_date(r["period_date"])) for r in rounds}
    done = 0
    for row, (period, due) in candidates:
        if (row["id"], period) in have:
            continue
        try:
            if await _alert_missed(row, period, due, now, pending):
                done += 1
        except Exception:  # one check-in's trouble must not hold the others' alerts back
            log.exception("catching up check-in %s failed", row["id"])
    return done


async def _alert_missed(row: dict[str, Any], period: date, due: datetime, now: datetime,
                        pending: Notifications) -> bool:
    """One alert for the missed period `period` and the missed ones just before it."""
    checkin_id, every = row["id"], timedelta(days=row["every_days"])
    starts_on, paused_until = as_date(row["starts_on"]), as_date(row["paused_until"])
    before = await CheckinRound.select(
        CheckinRound.id, CheckinRound.period_date, CheckinRound.due_at, CheckinRound.state, CheckinRound.reminded_at,
    ).where((CheckinRound.checkin == checkin_id) & (CheckinRound.period_date < period)).order_by(
        CheckinRound.period_date, ascending=False).first()
    # Walk back over the missed periods just before it: no round, watched, not paused.
    since, missed, day = due, 1, period - every
    last_round = as_date(before["period_date"]) if before else None
    while (day >= starts_on and (last_round is None or day > last_round) and missed < 1000
           and not schedule.is_paused(day, paused_until)
           and schedule.due_at(day, row["check_time"]) >= _watched_since(row)):
        since, missed, day = schedule.due_at(day, row["check_time"]), missed + 1, day - every
    # A reminder left unanswered just before (its alert never went out): same silence, one alert.
    stale = (before is not None and day == last_round and before["state"] == "reminded"
             and before["reminded_at"] + timedelta(minutes=row["grace_minutes"]) <= now)
    if stale:
        since, missed = before["due_at"], missed + 1
    note = f"Pas de nouvelles depuis le {moment_in_words(since)}"
    if missed > 1:
        note += f" ({missed} rendez-vous sans réponse)"
    async with write_transaction():
        news = await CheckinRound.count().where(
            (CheckinRound.checkin == checkin_id) & (CheckinRound.period_date > period)
            & (CheckinRound.checked_in_at.is_not_null() | CheckinRound.resolved_at.is_not_null()))
        if news:  # the person checked in since (a later period): nothing is missing
            return False
        round_id = await insert_round(checkin_id, period, due, "escalated", escalated_at=now)
        if round_id is None:  # another worker (or the person) was first
            return False
        if stale and await move_round(before["id"], ("reminded",), {CheckinRound.state: "cancelled"}):
            await record_event(checkin_id, "cancelled", actor=None, round_id=before["id"], source="system",
                               note="sans réponse : une seule alerte pour les rendez-vous manqués")
        await record_notifying_event(checkin_id, "escalated", pending, actor=None, round_id=round_id,
                                     source="system", note=note)
    return True


def _aware(value: Any) -> datetime:
    """Raw SQL gives SQLite timestamps as text."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
