"""Reported conversations: the only way a moderator reads private messages, and it is logged.

A participant reports a conversation (with a reason); moderators see the report in their
queue, without any message. While a report is open, a moderator may open the conversation:
each opening writes an audit row (who, when, which conversation, which report). Once every
report of the conversation is closed, the messages are out of reach again.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Any, Mapping

from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound
from backend.lib.sql import select_in
from backend.live.service import LiveEvent, publish
from backend.messages.schemas import ModeratedConversation, ModeratorReadOut, ParticipantOut, Person, ReportOut
from backend.messages.service import MESSAGE_COLUMNS, message_out, name_of
from backend.messages.tables import Conversation, ConversationReport, Message, ModeratorRead, Participant

MAX_MESSAGES = 1000
_REPORT_SQL = (
    "SELECT r.id, r.conversation, r.reason, r.state, r.created_at, r.closed_at, r.note, r.reporter, r.closed_by, "
    "c.community, co.name AS community_name, ru.first_name AS r_first_name, ru.last_name AS r_last_name, "
    "cu.first_name AS c_first_name, cu.last_name AS c_last_name FROM conversation_reports r "
    "JOIN conversations c ON c.id = r.conversation JOIN communities co ON co.id = c.community "
    "JOIN users ru ON ru.id = r.reporter LEFT JOIN users cu ON cu.id = r.closed_by "
)


async def _people(conversation_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    rows = await select_in(Participant, 'SELECT p.conversation, p."user", p.left_at, u.first_name, u.last_name '
                                        'FROM conversation_participants p JOIN users u ON u.id = p."user" '
                                        "WHERE p.conversation", conversation_ids)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["conversation"]].append(r)
    return out


def _report_out(r: dict[str, Any], people: list[dict[str, Any]]) -> ReportOut:
    return ReportOut(
        id=r["id"], conversation_id=r["conversation"], community_id=r["community"],
        community_name=r["community_name"], reporter=Person(r["reporter"], name_of(r, "r_")), reason=r["reason"],
        state=r["state"], created_at=r["created_at"].isoformat(),
        participants=[Person(p["user"], name_of(p)) for p in people],
        closed_by=Person(r["closed_by"], name_of(r, "c_")) if r["closed_by"] else None,
        closed_at=r["closed_at"].isoformat() if r["closed_at"] else None, note=r["note"])


async def _reports(where: str, *args: Any) -> list[ReportOut]:
    rows = await ConversationReport.raw(_REPORT_SQL + where, *args)
    people = await _people(sorted({r["conversation"] for r in rows}))
    return [_report_out(r, people[r["conversation"]]) for r in rows]


async def report(principal: Principal, conversation_id: int, reason: str, *,
                 res: Mapping[str, Any] | None = None) -> ReportOut:
    """A participant (even one who left) asks the moderators to read the conversation. With `res`
    (`app.state`), the moderators' live stream hears of it once committed (ids only, no content)."""
    reason = " ".join(reason.split())
    if not 3 <= len(reason) <= 500:
        raise DomainError("Expliquez en quelques mots ce qui pose problème (500 caractères au plus).",
                          "reason_required")
    if not await Participant.exists().where((Participant.conversation == conversation_id)
                                            & (Participant.user == principal.user_id)):
        raise NotFound("Cette conversation n'existe pas ou ne vous est pas accessible.", "conversation_not_found")
    if await ConversationReport.exists().where(
            (ConversationReport.conversation == conversation_id) & (ConversationReport.reporter == principal.user_id)
            & (ConversationReport.state == "open")):
        raise Conflict("Vous avez déjà signalé cette conversation ; la modération va l'examiner.", "already_reported")
    async with write_transaction():
        rows = await ConversationReport.insert(ConversationReport(
            conversation=conversation_id, reporter=principal.user_id, reason=reason, created_at=clock.now(),
        )).returning(ConversationReport.id)
        out = (await _reports("WHERE r.id = {}", rows[0]["id"]))[0]
        if res is not None:
            on_commit(partial(publish, res, LiveEvent(type="conversation.reported", moderators=True, data={
                "report_id": out.id, "conversation_id": conversation_id, "community_id": out.community_id})))
    return out


async def queue(state: str) -> list[ReportOut]:
    """Reports for the moderators (newest first), without any message content."""
    if state not in ("open", "closed"):
        raise DomainError("État de signalement inconnu (open ou closed).", "invalid_state")
    return await _reports("WHERE r.state = {} ORDER BY r.id DESC LIMIT 200", state)


async def close(moderator_id: int, report_id: int, note: str) -> ReportOut:
    """Close a report (with a note): without another open report the conversation is private again."""
    note = " ".join(note.split())[:500]
    async with write_transaction():
        updated = await ConversationReport.update({
            ConversationReport.state: "closed", ConversationReport.closed_by: moderator_id,
            ConversationReport.closed_at: clock.now(), ConversationReport.note: note,
        }).where((ConversationReport.id == report_id) & (ConversationReport.state == "open")).returning(
            ConversationReport.conversation)
        if not updated:
            raise NotFound("Ce signalement n'existe pas ou est déjà clos.", "report_not_found")
        await audit.record(moderator_id, "conversation_report.close", f"conversation:{updated[0]['conversation']}",
                           {"report_id": report_id, "note": note})
    return (await _reports("WHERE r.id = {}", report_id))[0]


async def read_reported(moderator_id: int, conversation_id: int, report_id: int | None = None) -> ModeratedConversation:
    """The whole conversation for a moderator, only under an open report; the reading is logged."""
    conversation = await Conversation.select(Conversation.id, Conversation.title, Conversation.community,
                                             Conversation.community.name).where(
        Conversation.id == conversation_id).first()
    if conversation is None:
        raise NotFound("Cette conversation n'existe pas.", "conversation_not_found")
    open_reports = await ConversationReport.select(ConversationReport.id).where(
        (ConversationReport.conversation == conversation_id) & (ConversationReport.state == "open")
    ).order_by(ConversationReport.id, ascending=False)
    ids = [r["id"] for r in open_reports]
    if report_id is not None and report_id not in ids:
        raise Forbidden("Ce signalement ne concerne pas cette conversation, ou il est clos.", "no_report")
    if not ids:
        raise Forbidden("La modération ne lit une conversation privée que si l'un de ses membres l'a signalée.",
                        "no_report")
    report_id = report_id or ids[0]
    async with write_transaction():  # our own trail, and the platform's audit log admins read
        rows = await ModeratorRead.insert(ModeratorRead(
            conversation=conversation_id, report=report_id, moderator=moderator_id, created_at=clock.now(),
        )).returning(ModeratorRead.id)
        await audit.record(moderator_id, "conversation.read", f"conversation:{conversation_id}",
                           {"report_id": report_id, "read_id": rows[0]["id"]})
    messages = await Message.raw(MESSAGE_COLUMNS + "WHERE m.conversation = {} ORDER BY m.id DESC LIMIT {}",
                                 conversation_id, MAX_MESSAGES)
    people = (await _people([conversation_id]))[conversation_id]
    return ModeratedConversation(
        id=conversation_id, community_id=conversation["community"], community_name=conversation["community.name"],
        title=conversation["title"],
        participants=[ParticipantOut(id=p["user"], name=name_of(p), photo_url=None, left=p["left_at"] is not None)
                      for p in people],
        reports=await _reports("WHERE r.conversation = {} ORDER BY r.id", conversation_id),
        messages=[message_out(m, moderator_id) for m in reversed(messages)], read_logged_as=rows[0]["id"])


async def access_log(conversation_id: int) -> list[ModeratorReadOut]:
    """Who read this conversation as a moderator, when, and under which report."""
    rows = await ModeratorRead.select(
        ModeratorRead.id, ModeratorRead.report, ModeratorRead.moderator, ModeratorRead.created_at,
        ModeratorRead.moderator.first_name, ModeratorRead.moderator.last_name,
    ).where(ModeratorRead.conversation == conversation_id).order_by(ModeratorRead.id)
    return [ModeratorReadOut(id=r["id"], conversation_id=conversation_id, report_id=r["report"],
                             moderator=Person(r["moderator"], name_of(r, "moderator.")),
                             created_at=r["created_at"].isoformat()) for r in rows]
