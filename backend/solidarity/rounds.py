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
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from backend.alerts.tables import Alert
from backend.auth.principal import Principal
from backend.db import write_transaction
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.queues import Queues
from backend.solidarity import schedule
from backend.solidarity.schemas import ActionOut, EventOut
from backend.solidarity.service import (
    ALERTED_STATES, OPEN_STATES, ROUND_COLUMNS, access, as_date, dispatch, ensure_running, event_out, events_query,
    load, record_event, record_notifying_event, round_out,
)
from backend.solidarity.tables import Checkin, CheckinEvent, CheckinRound

log = logging.getLogger(__name__)


# The periodic driver --------------------------------------------------------------------------

async def run_due_checkins(queues: Queues | None, now: datetime) -> dict[str, int]:
    """Remind the people whose hour has come, alert the watchers of those still silent after the
    grace period. Safe to run often and from several workers at once."""
    pending: list[tuple[str, int]] = []
    escalated = await _escalate(now, pending)
    reminded = await _remind(now, pending)
    await dispatch(queues, pending)
    return {"reminded": reminded, "escalated": escalated}


async def _remind(now: datetime, pending: list[tuple[str, int]]) -> int:
    rows = await Checkin.raw(
        "SELECT c.id, c.check_time, c.every_days, c.starts_on, c.paused_until, c.watch_from FROM checkins c "
        "WHERE c.stopped_at IS NULL AND c.watch_from IS NOT NULL AND c.watch_from <= {} AND "
        "(SELECT COUNT(*) FROM checkin_watchers w WHERE w.checkin = c.id AND w.status = 'accepted') >= 2", now)
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
    ).where(CheckinRound.state == "reminded")
    done = 0
    for row in rows:
        if row["reminded_at"] + timedelta(minutes=row["checkin.grace_minutes"]) > now:
            continue
        stopped = row["checkin.stopped_at"] is not None
        if stopped or schedule.is_paused(as_date(row["period_date"]), as_date(row["checkin.paused_until"])):
            async with write_transaction():
                if await _move(row["id"], ("reminded",), {CheckinRound.state: "cancelled"}):
                    await record_event(row["checkin"], "cancelled", actor=None, round_id=row["id"], source="system",
                                       note="veille arrêtée" if stopped else "veille en pause")
            continue
        async with write_transaction():
            if await _move(row["id"], ("reminded",), {CheckinRound.state: "escalated", CheckinRound.escalated_at: now}):
                await record_notifying_event(row["checkin"], "escalated", pending, actor=None, round_id=row["id"],
                                             source="system")
                done += 1
    return done


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
