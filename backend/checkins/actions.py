"""What people do on a check-in's periods: the person checks in (« Je vais bien », in the app or
by an "OK" SMS), a watcher says « je passe voir », someone says « tout va bien », a referent links
an alert. Each is a conditional UPDATE of the round, so two people at once never both win; the
notifications go through the outbox, dispatched after the commit. The clock-driven steps
(reminder, alert to the watchers) are in `backend.checkins.escalation`."""

from __future__ import annotations

import re
from typing import Any

from backend.alerts.tables import Alert
from backend.auth.principal import Principal
from backend.db import write_transaction
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.queues import Queues
from backend.lib.text import fold
from backend.checkins import schedule
from backend.checkins.schemas import ActionOut, EventOut
from backend.checkins.service import (
    ALERTED_STATES, OPEN_STATES, ROUND_COLUMNS, Notifications, access, as_date, ensure_running, insert_round, load,
    move_round, record_event, record_notifying_event,
)
from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound
from backend.checkins.views import event_out, events_query, round_out


async def _open_rounds(checkin_id: int) -> list[dict[str, Any]]:
    return await CheckinRound.select(CheckinRound.id, CheckinRound.state, CheckinRound.going_by).where(
        (CheckinRound.checkin == checkin_id) & CheckinRound.state.is_in(list(OPEN_STATES))
    ).order_by(CheckinRound.period_date)


async def _answer(checkin_id: int, round_id: int, recorded: bool) -> ActionOut:
    row = await CheckinRound.select(*ROUND_COLUMNS, CheckinRound.checkin.grace_minutes).where(
        CheckinRound.id == round_id).first()
    return ActionOut(checkin_id=checkin_id, round=round_out(row, row["checkin.grace_minutes"]), recorded=recorded)


async def _person_checks_in(row: dict[str, Any], source: str, pending: Notifications,
                            note: str = "") -> tuple[int, bool]:
    """The person is fine: the current period is checked in, every open period closed. Returns
    (the round answered, whether anything new was recorded). Runs inside a transaction."""
    now = clock.now()
    checkin_id, person = row["id"], row["person"]
    recorded = False
    last: int | None = None
    period = schedule.current_period(now, as_date(row["starts_on"]), row["every_days"])
    if period is not None:
        round_id = await insert_round(checkin_id, period, schedule.due_at(period, row["check_time"]), "checked_in",
                                       checked_in_at=now)
        if round_id is not None:
            await record_event(checkin_id, "checked_in", actor=person, round_id=round_id, source=source)
            recorded, last = True, round_id
    note = note or "La personne a répondu elle-même."
    for open_round in await _open_rounds(checkin_id):
        if open_round["state"] == "reminded":
            if await move_round(open_round["id"], ("reminded",), {CheckinRound.state: "checked_in",
                                                             CheckinRound.checked_in_at: now}):
                await record_event(checkin_id, "checked_in", actor=person, round_id=open_round["id"], source=source)
                recorded, last = True, open_round["id"]
        elif await move_round(open_round["id"], ALERTED_STATES, {
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
    pending = Notifications(queues)
    async with write_transaction():
        round_id, recorded = await _person_checks_in(row, "app", pending)
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
    pending = Notifications(queues)
    async with write_transaction():
        await move_round(target["id"], ("escalated",), {CheckinRound.state: "someone_going", CheckinRound.going_by: uid,
                                                   CheckinRound.going_at: clock.now()})
        await record_notifying_event(checkin_id, "someone_going", pending, actor=uid, round_id=target["id"])
    return await _answer(checkin_id, target["id"], True)


async def resolve(queues: Queues | None, principal: Principal, checkin_id: int, note: str) -> ActionOut:
    """"Tout va bien", with a note: by the person, a watcher or a referent; closes the open periods."""
    row, roles = await access(principal, checkin_id, {"person", "watcher", "referent"})
    ensure_running(row)
    note = " ".join(note.split())
    if "person" in roles:
        pending = Notifications(queues)
        async with write_transaction():
            round_id, recorded = await _person_checks_in(row, "app", pending, note[:500])
        return await _answer(checkin_id, round_id, recorded)
    if not 2 <= len(note) <= 500:
        raise DomainError("Dites en quelques mots comment va la personne (2 à 500 caractères).", "note_required")
    opened = await _open_rounds(checkin_id)
    if not opened:
        raise Conflict("Rien à clore : aucune période en attente pour cette personne.", "nothing_to_resolve")
    now = clock.now()
    pending = Notifications(queues)
    async with write_transaction():
        for open_round in opened:
            alerted = open_round["state"] in ALERTED_STATES
            if await move_round(open_round["id"], OPEN_STATES, {
                    CheckinRound.state: "resolved", CheckinRound.resolved_by: principal.user_id,
                    CheckinRound.resolved_at: now, CheckinRound.resolution_note: note}):
                if alerted:  # the watchers were alerted: they hear it is over
                    await record_notifying_event(checkin_id, "resolved", pending, actor=principal.user_id,
                                                 round_id=open_round["id"], note=note)
                else:
                    await record_event(checkin_id, "resolved", actor=principal.user_id, round_id=open_round["id"],
                                       note=note)
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
    words = re.sub(r"[^a-z]+", " ", fold(text)).split()
    return bool(words) and words[0] in OK_WORDS and len(words) <= 5 and set(words[1:]) <= POLITE_WORDS


OK_REPLIES = {
    "fr": {"again": "Vigie : c'est déjà noté, merci. Bonne journée !",
           "told": "Vigie : merci, c'est noté. Vos voisins sont prévenus que tout va bien.",
           "noted": "Vigie : merci, c'est noté. Bonne journée !"},
    "en": {"again": "Vigie: already noted, thank you. Have a good day!",
           "told": "Vigie: thank you, noted. Your neighbours are told that all is well.",
           "noted": "Vigie: thank you, noted. Have a good day!"},
}
"""The SMS answering « OK », by language."""


async def checkin_by_sms(queues: Queues | None, user_id: int, locale: str = "fr") -> str | None:
    """An "OK" SMS from a person with a running check-in: record it and return the confirmation
    to text back; None when the person has no running check-in (the SMS is then an alert)."""
    found = await Checkin.select(Checkin.id).where((Checkin.person == user_id) & Checkin.stopped_at.is_null()).first()
    if found is None:
        return None
    row = await load(found["id"])
    pending = Notifications(queues)
    try:
        async with write_transaction():
            _, recorded = await _person_checks_in(row, "sms", pending)
    except Conflict:
        return None
    replies = OK_REPLIES.get(locale, OK_REPLIES["fr"])
    return replies["again" if not recorded else "told" if pending else "noted"]
