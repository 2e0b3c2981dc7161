"""The periods of a check-in: the person checks in, or is reminded at the hour; after the grace
period the watchers are alerted; one says "je passe voir"; someone says "tout va bien".

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
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from backend.alerts.tables import Alert
from backend.auth.principal import Principal
from backend.db import write_transaction
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.french import moment_in_words
from backend.lib.queues import Queues
from backend.checkins import schedule
from backend.checkins.schemas import ActionOut, EventOut
from backend.checkins.service import (
    ALERTED_STATES, OPEN_STATES, ROUND_COLUMNS, access, as_date, dispatch, ensure_running, event_out, events_query,
    load, record_event, record_notifying_event, round_out,
)
from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound

log = logging.getLogger(__name__)


# The periodic driver --------------------------------------------------------------------------

async def run_due_checkins(queues: Queues | None, now: datetime) -> dict[str, int]:
    """Remind the people whose hour has come, alert the watchers of those still silent after the
    grace period. Safe to run often and from several workers at once."""
    pending: list[tuple[str, int]] = []
    watched = await Checkin.raw(_ELIGIBLE, now)  # the check-ins being watched: both steps below use them
    caught_up = await _catch_up(watched, now, pending)  # first: it may fold a stale reminder into its alert
    escalated = await _escalate(now, pending)
    reminded = await _remind(watched, now, pending)
    await dispatch(queues, pending)
    return {"reminded": reminded, "escalated": escalated + caught_up, "caught_up": caught_up}


_ELIGIBLE = (
    "SELECT c.id, c.check_time, c.every_days, c.starts_on, c.paused_until, c.watch_from, c.grace_minutes, "
    "c.created_at FROM checkins c "
    "WHERE c.stopped_at IS NULL AND c.person_confirmation = 'confirmed' AND c.watch_from IS NOT NULL "
    "AND c.watch_from <= {} AND "
    "(SELECT COUNT(*) FROM checkin_watchers w WHERE w.checkin = c.id AND w.status = 'accepted') >= 2")


async def _remind(rows: list[dict[str, Any]], now: datetime, pending: list[tuple[str, int]]) -> int:
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
            round_id = await _insert_round(checkin_id, period, at, "reminded", reminded_at=now)
            if round_id is not None:  # else another worker (or the person) was first
                await record_notifying_event(checkin_id, "reminded", pending, actor=None, round_id=round_id,
                                             source="system")
                done += 1
    return done


async def _escalate(now: datetime, pending: list[tuple[str, int]]) -> int:
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
                if await _move(row["id"], ("reminded",), {CheckinRound.state: "cancelled"}):
                    why = "veille arrêtée" if stopped else ("en attente de l'accord de la personne" if unconfirmed
                                                            else "veille en pause")
                    await record_event(row["checkin"], "cancelled", actor=None, round_id=row["id"], source="system",
                                       note=why)
            continue
        async with write_transaction():
            if await _move(row["id"], ("reminded",), {CheckinRound.state: "escalated", CheckinRound.escalated_at: now}):
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


async def _catch_up(rows: list[dict[str, Any]], now: datetime, pending: list[tuple[str, int]]) -> int:
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
                        pending: list[tuple[str, int]]) -> bool:
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
        round_id = await _insert_round(checkin_id, period, due, "escalated", escalated_at=now)
        if round_id is None:  # another worker (or the person) was first
            return False
        if stale and await _move(before["id"], ("reminded",), {CheckinRound.state: "cancelled"}):
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


async def _insert_round(checkin_id: int, period: Any, due: datetime, state: str, **stamps: datetime) -> int | None:
    """Create the round of a period unless it exists (then None)."""
    columns = ["checkin", "period_date", "due_at", "state", "created_at", *stamps]
    rows = await CheckinRound.raw(
        f"INSERT INTO checkin_rounds ({', '.join(columns)}) VALUES ({', '.join(['{}'] * len(columns))}) "
        "ON CONFLICT DO NOTHING RETURNING id", checkin_id, period, due, state, clock.now(), *stamps.values())
    return rows[0]["id"] if rows else None


async def _move(round_id: int, from_states: tuple[str, ...], values: dict[Any, Any]) -> bool:
    """A state change that happens once: only if the round is still in one of `from_states`."""
    updated = await CheckinRound.update(values).where(
        (CheckinRound.id == round_id) & CheckinRound.state.is_in(list(from_states))).returning(CheckinRound.id)
    return bool(updated)


# What people do -------------------------------------------------------------------------------

async def _open_rounds(checkin_id: int) -> list[dict[str, Any]]:
    return await CheckinRound.select(CheckinRound.id, CheckinRound.state, CheckinRound.going_by).where(
        (CheckinRound.checkin == checkin_id) & CheckinRound.state.is_in(list(OPEN_STATES))
    ).order_by(CheckinRound.period_date)


async def _answer(checkin_id: int, round_id: int, recorded: bool) -> ActionOut:
    row = await CheckinRound.select(*ROUND_COLUMNS, CheckinRound.checkin.grace_minutes).where(
        CheckinRound.id == round_id).first()
    return ActionOut(checkin_id=checkin_id, round=round_out(row, row["checkin.grace_minutes"]), recorded=recorded)


async def _person_checks_in(row: dict[str, Any], source: str, pending: list[tuple[str, int]],
                            note: str = "") -> tuple[int, bool]:
    """The person is fine: the current period is checked in, every open period closed. Returns
    (the round answered, whether anything new was recorded). Runs inside a transaction."""
    now = clock.now()
    checkin_id, person = row["id"], row["person"]
    recorded = False
    last: int | None = None
    period = schedule.current_period(now, as_date(row["starts_on"]), row["every_days"])
    if period is not None:
        round_id = await _insert_round(checkin_id, period, schedule.due_at(period, row["check_time"]), "checked_in",
                                       checked_in_at=now)
        if round_id is not None:
            await record_event(checkin_id, "checked_in", actor=person, round_id=round_id, source=source)
            recorded, last = True, round_id
    note = note or "La personne a répondu elle-même."
    for open_round in await _open_rounds(checkin_id):
        if open_round["state"] == "reminded":
            if await _move(open_round["id"], ("reminded",), {CheckinRound.state: "checked_in",
                                                             CheckinRound.checked_in_at: now}):
                await record_event(checkin_id, "checked_in", actor=person, round_id=open_round["id"], source=source)
                recorded, last = True, open_round["id"]
        elif await _move(open_round["id"], ALERTED_STATES, {
                CheckinRound.state: "resolved", CheckinRound.resolved_by: person, CheckinRound.resolved_at: now,
                CheckinRound.resolution_note: note}):
            await record_notifying_event(checkin_id, "resolved", pending, actor=person, round_id=open_round["id"],
                                         source=source, note=note)
            recorded, last = True, open_round["id"]
    if last is None and period is not None:  # already checked in for this period
        existing = await CheckinRound.select(CheckinRound.id).where(
            (CheckinRound.checkin == checkin_id) & (CheckinRound.period_date == period)).first()
        last = existing["id"] if existing else None
    if last is None:
        raise Conflict("La veille n'a pas encore commencé.", "checkin_not_started")
    return last, recorded


async def check_in(queues: Queues | None, principal: Principal, checkin_id: int) -> ActionOut:
    """The big button: "Je vais bien"."""
    row, _ = await access(principal, checkin_id, {"person"},
                          "Seule la personne elle-même peut répondre « Je vais bien ».")
    ensure_running(row)
    pending: list[tuple[str, int]] = []
    async with write_transaction():
        round_id, recorded = await _person_checks_in(row, "app", pending)
    await dispatch(queues, pending)
    return await _answer(checkin_id, round_id, recorded)


async def someone_going(queues: Queues | None, principal: Principal, checkin_id: int) -> ActionOut:
    """A watcher (or a referent) goes to see the person; the other watchers are told."""
    row, _ = await access(principal, checkin_id, {"watcher", "referent"},
                          "Seuls les voisins qui veillent peuvent indiquer « Je passe voir ».")
    ensure_running(row)
    alerted = [r for r in await _open_rounds(checkin_id) if r["state"] in ALERTED_STATES]
    if not alerted:
        raise Conflict("Aucune alerte en cours pour cette personne.", "no_alert_in_progress")
    target = alerted[-1]
    uid = principal.user_id
    if target["going_by"] == uid:
        return await _answer(checkin_id, target["id"], False)
    earlier = await CheckinEvent.count().where((CheckinEvent.round == target["id"]) & (CheckinEvent.actor == uid)
                                               & (CheckinEvent.type == "someone_going"))
    if earlier:
        return await _answer(checkin_id, target["id"], False)
    pending: list[tuple[str, int]] = []
    async with write_transaction():
        await _move(target["id"], ("escalated",), {CheckinRound.state: "someone_going", CheckinRound.going_by: uid,
                                                   CheckinRound.going_at: clock.now()})
        await record_notifying_event(checkin_id, "someone_going", pending, actor=uid, round_id=target["id"])
    await dispatch(queues, pending)
    return await _answer(checkin_id, target["id"], True)


async def resolve(queues: Queues | None, principal: Principal, checkin_id: int, note: str) -> ActionOut:
    """"Tout va bien", with a note: by the person, a watcher or a referent; closes the open periods."""
    row, roles = await access(principal, checkin_id, {"person", "watcher", "referent"})
    ensure_running(row)
    note = " ".join(note.split())
    if "person" in roles:
        pending: list[tuple[str, int]] = []
        async with write_transaction():
            round_id, recorded = await _person_checks_in(row, "app", pending, note[:500])
        await dispatch(queues, pending)
        return await _answer(checkin_id, round_id, recorded)
    if not 2 <= len(note) <= 500:
        raise DomainError("Dites en quelques mots comment va la personne (2 à 500 caractères).", "note_required")
    opened = await _open_rounds(checkin_id)
    if not opened:
        raise Conflict("Rien à clore : aucune période en attente pour cette personne.", "nothing_to_resolve")
    now = clock.now()
    pending = []
    async with write_transaction():
        for open_round in opened:
            alerted = open_round["state"] in ALERTED_STATES
            if await _move(open_round["id"], OPEN_STATES, {
                    CheckinRound.state: "resolved", CheckinRound.resolved_by: principal.user_id,
                    CheckinRound.resolved_at: now, CheckinRound.resolution_note: note}):
                if alerted:  # the watchers were alerted: they hear it is over
                    await record_notifying_event(checkin_id, "resolved", pending, actor=principal.user_id,
                                                 round_id=open_round["id"], note=note)
                else:
                    await record_event(checkin_id, "resolved", actor=principal.user_id, round_id=open_round["id"],
                                       note=note)
    await dispatch(queues, pending)
    return await _answer(checkin_id, opened[-1]["id"], True)


async def link_alert(principal: Principal, checkin_id: int, alert_id: int) -> EventOut:
    """Link a "no_news" alert of the same community to the check-in (shown in its history)."""
    row, _ = await access(principal, checkin_id, {"watcher", "referent"},
                          "Seuls les voisins qui veillent et les référents peuvent lier une alerte.")
    ensure_running(row)
    alert = await Alert.select(Alert.id, Alert.community, Alert.category, Alert.title, Alert.moderation).where(
        Alert.id == alert_id).first()
    if alert is None or alert["community"] != row["community"] or alert["moderation"] in ("hidden", "removed"):
        raise NotFound("Cette alerte n'existe pas dans ce quartier.", "alert_not_found")
    if alert["category"] != "no_news":
        raise DomainError("Seule une alerte « Pas de nouvelles d'un voisin » peut être liée à une veille.",
                          "wrong_alert_category")
    existing = await CheckinEvent.select(CheckinEvent.id).where(
        (CheckinEvent.checkin == checkin_id) & (CheckinEvent.alert == alert_id)).first()
    if existing is None:
        opened = await _open_rounds(checkin_id)
        async with write_transaction():
            event_id = await record_event(checkin_id, "alert_linked", actor=principal.user_id, alert_id=alert_id,
                                          round_id=opened[-1]["id"] if opened else None, note=alert["title"])
    else:
        event_id = existing["id"]
    return event_out(await events_query().where(CheckinEvent.id == event_id).first())


# "OK" by SMS ----------------------------------------------------------------------------------

OK_WORDS = {"ok", "okay", "oke", "okey"}
POLITE_WORDS = {"merci", "beaucoup", "bien", "tout", "va", "ca", "oui", "ok"}


def is_ok_reply(text: str) -> bool:
    """"OK", "ok merci", "Ok !", "oké"… (accents, case and punctuation ignored)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z]+", " ", plain).split()
    return bool(words) and words[0] in OK_WORDS and len(words) <= 5 and set(words[1:]) <= POLITE_WORDS


async def checkin_by_sms(queues: Queues | None, user_id: int) -> str | None:
    """An "OK" SMS from a person with a running check-in: record it and return the confirmation
    to text back; None when the person has no running check-in (the SMS is then an alert)."""
    found = await Checkin.select(Checkin.id).where((Checkin.person == user_id) & Checkin.stopped_at.is_null()).first()
    if found is None:
        return None
    row = await load(found["id"])
    pending: list[tuple[str, int]] = []
    try:
        async with write_transaction():
            _, recorded = await _person_checks_in(row, "sms", pending)
    except Conflict:
        return None
    await dispatch(queues, pending)
    if not recorded:
        return "Vigie : c'est déjà noté, merci. Bonne journée !"
    if pending:
        return "Vigie : merci, c'est noté. Vos voisins sont prévenus que tout va bien."
    return "Vigie : merci, c'est noté. Bonne journée !"
