"""Opening conversations and changing who is in them: create (reusing an open two-person
conversation; Idempotency-Key for replays), add members, leave. Who may write to whom (active
members of the community, no block either way) is checked here."""

from __future__ import annotations

from functools import partial
from typing import Any, Mapping

from backend.alerts.service import check_idempotency_key
from backend.auth.principal import Principal
from backend.auth.tables import User
from backend.db import on_commit, write_transaction
from backend.lib import clock, ratelimit
from backend.lib.errors import DomainError, Forbidden, NotFound
from backend.lib.sql import bulk_insert, select_in
from backend.messages.blocks import blocks_of
from backend.messages.live import announce
from backend.messages.schemas import ConversationIn, ConversationOut
from backend.messages.service import (Limit, get_conversation, last_message_id, load_message, name_of, replayed_id,
                                      seat_of)
from backend.messages.tables import Conversation, Message, Participant

MAX_PARTICIPANTS = 50



async def _listable(community_id: int, user_ids: list[int]) -> dict[int, str]:
    """Names of those among `user_ids` who are active, unsuspended members of the community."""
    rows = await select_in(User, "SELECT u.id, u.first_name, u.last_name FROM memberships m JOIN users u "
                                 'ON u.id = m."user" WHERE m.community = {} AND m.status = \'active\' '
                                 "AND u.is_suspended = {} AND u.id", user_ids, community_id, False)
    return {r["id"]: name_of(r) for r in rows}


async def _check_people(me: int, community_id: int, user_ids: list[int]) -> dict[int, str]:
    """Every one an active member of the community, and no block between them and `me`."""
    names = await _listable(community_id, user_ids)
    if len(names) != len(user_ids):
        raise DomainError("Ce membre ne fait pas partie du quartier de la conversation.", "not_a_member")
    blocks = await blocks_of(me)
    for user_id, name in names.items():
        if user_id in blocks.mine:
            raise Forbidden(f"Vous avez bloqué {name} : débloquez ce membre pour lui écrire.", "blocked")
        if user_id in blocks.against_me:
            raise Forbidden(f"Vous ne pouvez pas écrire à {name}.", "blocked")
    return names


def _people(me: int, ids: list[int]) -> list[int]:
    people = [u for u in dict.fromkeys(ids) if u != me]
    if not people:
        raise DomainError("Choisissez au moins un membre.", "no_participants")
    return people


async def _existing_pair(community_id: int, me: int, other: int) -> int | None:
    rows = await Conversation.raw(
        "SELECT c.id FROM conversations c "
        'JOIN conversation_participants a ON a.conversation = c.id AND a."user" = {} AND a.left_at IS NULL '
        'JOIN conversation_participants b ON b.conversation = c.id AND b."user" = {} AND b.left_at IS NULL '
        "WHERE c.community = {} AND c.title = '' AND (SELECT COUNT(*) FROM conversation_participants p "
        "WHERE p.conversation = c.id AND p.left_at IS NULL) = 2 ORDER BY c.id LIMIT 1", me, other, community_id)
    return rows[0]["id"] if rows else None


async def _replayed_conversation(me: int, community_id: int, key: str) -> int | None:
    return await replayed_id(Conversation.created_by, Conversation.community, me, community_id, key,
                           "une autre conversation")


async def open_conversation(res: Mapping[str, Any], principal: Principal, community_id: int, data: ConversationIn,
                            idempotency_key: str | None) -> tuple[ConversationOut, bool]:
    """A conversation opened in the app: (conversation, created). A replayed key returns the first
    one and is not counted against the member's hourly number of new conversations (`res`: `app.state`)."""
    n = res["settings"].conversations_per_hour
    limit = ratelimit.CreationLimit(
        res["valkey"], f"conversations:{principal.user_id}", n, 3600,
        f"Vous avez déjà ouvert {n} nouvelles conversations cette heure-ci. Réessayez dans {{minutes}} min.",
        "conversation_rate_limited")
    conversation, created = await create_conversation(principal, community_id, data, idempotency_key, limit.check)
    if created:
        await limit.count()
    return conversation, created


async def create_conversation(principal: Principal, community_id: int, data: ConversationIn,
                              idempotency_key: str | None, limit: Limit | None = None) -> tuple[ConversationOut, bool]:
    """Open a conversation with active members of the community; returns (conversation, created).

    Writing again to one person reuses the open two-person conversation; an optional
    Idempotency-Key makes a replayed creation return the first conversation. `limit` runs only
    before a real creation (never for a replay or a reused conversation).
    """
    me = principal.user_id
    key = check_idempotency_key(idempotency_key) if idempotency_key else None
    if key and (replay := await _replayed_conversation(me, community_id, key)):
        return await get_conversation(principal, replay), False
    people = _people(me, data.participant_ids)
    title = " ".join(data.title.split())
    if len(title) > 100:
        raise DomainError("Le titre est trop long (100 caractères au plus).", "invalid_title")
    if len(people) + 1 > MAX_PARTICIPANTS:
        raise DomainError(f"Une conversation réunit {MAX_PARTICIPANTS} personnes au plus.", "too_many_participants")
    await _check_people(me, community_id, people)
    if len(people) == 1 and not title and (existing := await _existing_pair(community_id, me, people[0])):
        return await get_conversation(principal, existing), False
    if limit is not None:
        await limit()
    now = clock.now()
    try:
        async with write_transaction():
            rows = await Conversation.insert(Conversation(
                community=community_id, created_by=me, title=title, idempotency_key=key, created_at=now,
                last_message_at=now)).returning(Conversation.id)
            conversation_id = rows[0]["id"]
            await bulk_insert(Participant, ["conversation", "user", "joined_at", "joined_after", "last_read"],
                              [(conversation_id, u, now, 0, 0) for u in [me, *people]], ignore_conflicts=False)
    except Exception as exc:  # two replays racing: the unique (creator, key) index lets one through
        if key and "unique" in str(exc).lower() and (again := await _replayed_conversation(me, community_id, key)):
            return await get_conversation(principal, again), False
        raise
    return await get_conversation(principal, conversation_id), True


async def _system_message(conversation_id: int, author: int, kind: str, body: str = "") -> int:
    now = clock.now()
    rows = await Message.insert(Message(conversation=conversation_id, author=author, kind=kind, body=body,
                                        created_at=now)).returning(Message.id)
    await Conversation.update({Conversation.last_message_at: now}).where(Conversation.id == conversation_id)
    return rows[0]["id"]


async def add_participants(principal: Principal, conversation_id: int, user_ids: list[int], *,
                           res: Mapping[str, Any] | None = None) -> tuple[int | None, list[int]]:
    """Add members (who see only what is written from now on); returns (note message id, listeners).
    With `res` (`app.state`), the note goes to the listeners' live streams once committed."""
    seat = await seat_of(principal, conversation_id)
    new = [u for u in _people(principal.user_id, user_ids) if u not in seat.others]
    if not new:
        return None, []
    if len(seat.others) + len(new) + 1 > MAX_PARTICIPANTS:
        raise DomainError(f"Une conversation réunit {MAX_PARTICIPANTS} personnes au plus.", "too_many_participants")
    names = await _check_people(principal.user_id, seat.community_id, new)
    now = clock.now()
    async with write_transaction():
        last = await last_message_id(conversation_id)
        returning = {r["user"] for r in seat.people if r["user"] in names}
        for user_id in returning:
            await Participant.update({Participant.left_at: None, Participant.joined_at: now,
                                      Participant.joined_after: last, Participant.last_read: last}).where(
                (Participant.conversation == conversation_id) & (Participant.user == user_id))
        await bulk_insert(Participant, ["conversation", "user", "joined_at", "joined_after", "last_read"],
                          [(conversation_id, u, now, last, last) for u in new if u not in returning])
        note = await _system_message(conversation_id, principal.user_id, "added", ", ".join(names[u] for u in new))
        listeners = [principal.user_id, *seat.others, *new]
        if res is not None:
            on_commit(partial(announce, res, await load_message(note, principal.user_id), listeners))
    return note, listeners


async def leave(principal: Principal, conversation_id: int, *,
                res: Mapping[str, Any] | None = None) -> tuple[int, list[int]]:
    """Leave for good (unless someone adds the member again); returns (note message id, listeners).
    With `res` (`app.state`), the note goes to the listeners' live streams once committed."""
    me = principal.user_id
    async with write_transaction():
        updated = await Participant.update({Participant.left_at: clock.now()}).where(
            (Participant.conversation == conversation_id) & (Participant.user == me) & Participant.left_at.is_null()
        ).returning(Participant.id)
        if not updated:
            raise NotFound("Cette conversation n'existe pas ou ne vous est pas accessible.", "conversation_not_found")
        note = await _system_message(conversation_id, me, "left")
        rows = await Participant.select(Participant.user).where(
            (Participant.conversation == conversation_id) & Participant.left_at.is_null())
        listeners = [me, *(r["user"] for r in rows)]
        if res is not None:
            on_commit(partial(announce, res, await load_message(note, me), listeners))
    return note, listeners
