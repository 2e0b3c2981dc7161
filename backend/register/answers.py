"""Answers to an episode's daily « Tout va bien ? »: the person's own, in the app or by SMS « OK », and
the calls a volunteer assigned to them or an agent of the commune makes and records. Each answer is
one conditional UPDATE of the day's check; an answer that comes after the « no answer » alert went
out tells everyone who was alerted, once (`ALL_CLEAR_KIND`). The episodes, their daily questions and
the staff's board are in `backend.register.episodes`.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Mapping

from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.register.episodes import ALL_CLEAR_KIND, ANSWERED, as_date, local_day, publish_board
from backend.register.schemas import AnswerIn, CallIn, MyCheck
from backend.register.tables import EpisodeCheck, VolunteerAssignment

OPEN_STATES = ("asked", "no_answer")
CHECK_NOT_FOUND = ("Cette demande de nouvelles n'existe pas ou ne vous concerne pas.", "register_check_not_found")
OK_REPLIES = {"fr": "Vigie : merci, la mairie a noté que tout va bien. Urgence : 112.",
              "en": "Vigie: thank you, the town hall has noted that all is well. Emergency: 112."}

CHECK_COLUMNS = (
    EpisodeCheck.id, EpisodeCheck.state, EpisodeCheck.entry, EpisodeCheck.episode, EpisodeCheck.day,
    EpisodeCheck.entry.person, EpisodeCheck.episode.commune, EpisodeCheck.episode.status,
    EpisodeCheck.episode.title, EpisodeCheck.episode.kind,
)


async def _check(check_id: int) -> dict[str, Any]:
    row = await EpisodeCheck.select(*CHECK_COLUMNS).where(EpisodeCheck.id == check_id).first()
    if row is None:
        raise NotFound(*CHECK_NOT_FOUND)
    return row


def _my_check(row: dict[str, Any]) -> MyCheck:
    return MyCheck(id=row["id"], episode_id=row["episode"], episode_title=row["episode.title"],
                   kind=row["episode.kind"], day=as_date(row["day"]).isoformat(), state=row["state"])


async def _set_answer(res: Mapping[str, Any] | None, row: dict[str, Any], state: str, via: str,
                      caller: int | None = None, note: str = "") -> bool:
    """Record an answer (or a call) on an open episode's check; False when nothing changed."""
    if row["episode.status"] != "open":
        raise Conflict("Cet épisode est clos : en cas de besoin, appelez la mairie ou le 112.", "episode_closed")
    now = clock.now()
    values: dict[Any, Any] = {}
    if state in ANSWERED and row["state"] != state:
        values.update({EpisodeCheck.state: state, EpisodeCheck.answered_at: now, EpisodeCheck.answered_via: via})
    if caller is not None:
        values.update({EpisodeCheck.called_by: caller, EpisodeCheck.called_at: now, EpisodeCheck.call_note: note[:500]})
    if not values:
        return False
    async with write_transaction():
        updated = await EpisodeCheck.update(values).where(EpisodeCheck.id == row["id"]).returning(
            EpisodeCheck.escalated_at)
        if EpisodeCheck.state in values and updated and updated[0]["escalated_at"] is not None:
            # Answered after the alert went out: everyone alerted hears it (once: one delivery row each).
            await delivery.add_outbox(ALL_CLEAR_KIND, row["id"])
            if res is not None and res.get("queues") is not None:
                on_commit(partial(delivery.dispatch, res["queues"], ALL_CLEAR_KIND, row["id"]))
        if res is not None:
            on_commit(partial(publish_board, res, row["episode.commune"], row["episode"]))
    return True


async def answer(res: Mapping[str, Any], principal: Principal, check_id: int, data: AnswerIn) -> MyCheck:
    """The person's own answer in the app: « Tout va bien » or « J'ai besoin d'aide »."""
    if data.answer not in ANSWERED:
        raise DomainError("Réponse inconnue : ok ou help.", "invalid_answer")
    row = await _check(check_id)
    if row["entry.person"] != principal.user_id:
        raise NotFound(*CHECK_NOT_FOUND)
    await _set_answer(res, row, data.answer, "app")
    return _my_check(await _check(check_id))


async def record_call(res: Mapping[str, Any], principal: Principal, check_id: int, data: CallIn) -> MyCheck:
    """A volunteer assigned to the person, or an agent of the commune, records a call they made."""
    if data.result not in (*ANSWERED, "unreachable"):
        raise DomainError("Résultat de l'appel inconnu : ok, help ou unreachable.", "invalid_call_result")
    row = await _check(check_id)
    staff = principal.is_staff_of(row["episode.commune"])
    if not staff:
        assigned = await VolunteerAssignment.count().where(
            (VolunteerAssignment.volunteer == principal.user_id) & (VolunteerAssignment.entry == row["entry"])
            & (VolunteerAssignment.active == True))  # noqa: E712
        if not assigned or row["episode.status"] != "open":
            raise NotFound(*CHECK_NOT_FOUND)
    note = " ".join(data.note.split())
    await _set_answer(res, row, data.result, "call", caller=principal.user_id, note=note)
    await audit.record(principal.user_id, "register.call", f"register:{row['entry']}",
                       {"check": check_id, "result": data.result}, commune_id=row["episode.commune"])
    return _my_check(await _check(check_id))


async def my_checks(user_id: int) -> list[MyCheck]:
    """Today's questions of open episodes to this person (answered or not)."""
    rows = await EpisodeCheck.select(*CHECK_COLUMNS).where(
        (EpisodeCheck.entry.person == user_id) & (EpisodeCheck.episode.status == "open")
        & (EpisodeCheck.day == local_day(clock.now()))).order_by(EpisodeCheck.id, ascending=False)
    return [_my_check(r) for r in rows]


async def ok_by_sms(res: Mapping[str, Any], user_id: int, locale: str = "fr") -> str | None:
    """« OK » from a person with an open question: recorded, and the reply to text back; None when
    no question is open for them (the SMS goes on: a check-in's OK, then an alert)."""
    row = await EpisodeCheck.select(*CHECK_COLUMNS).where(
        (EpisodeCheck.entry.person == user_id) & (EpisodeCheck.episode.status == "open")
        & EpisodeCheck.state.is_in(list(OPEN_STATES))).order_by(EpisodeCheck.id, ascending=False).first()
    if row is None:
        return None
    await _set_answer(res, row, "ok", "sms")
    return OK_REPLIES.get(locale, OK_REPLIES["fr"])
