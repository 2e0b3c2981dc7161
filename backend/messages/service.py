"""Private messaging: conversations between active members of one community.

Who sees what:
- a conversation is seen by its current participants (not those who left) who are still
  active members of its community; someone added later sees only what is written after;
- blocks: a member never sees the messages of someone they blocked; a conversation whose
  other participants all have a block with the member (either way) is hidden from them and
  closed to new messages, so a blocked member cannot write to the blocker;
- moderators read a conversation only through a report (backend.messages.moderation).

Opening conversations and changing who is in them: backend.messages.conversations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Mapping

from backend.alerts.service import check_idempotency_key
from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.directory.service import photo_urls
from backend.lib import clock, ratelimit
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound
from backend.lib.sql import placeholders, select_in
from backend.messages.schemas import (ConversationOut, MessageOut, MessagePage,
                                      ParticipantOut, Person, Unread, UnreadEntry)
from backend.messages.blocks import blocks_of
from backend.messages.live import announce
from backend.messages.tables import Conversation, Message, Participant

MESSAGE_KIND = "message"
MAX_BODY = 4000
Limit = Callable[[], Awaitable[None]]  # raises 429 when the member may not create one more
NOT_BLOCKED_BY_ME = 'm.author NOT IN (SELECT blocked FROM message_blocks WHERE blocker = {})'
MESSAGE_COLUMNS = ("SELECT m.id, m.conversation, m.author, m.kind, m.body, m.created_at, u.first_name, u.last_name "
                    "FROM messages m JOIN users u ON u.id = m.author ")


def name_of(row: dict[str, Any], prefix: str = "") -> str:
    """« First Last » from a row's first_name/last_name (columns optionally prefixed)."""
    return f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()


def message_out(row: dict[str, Any], viewer_id: int) -> MessageOut:
    """A message row (MESSAGE_COLUMNS) as `viewer_id` sees it."""
    return MessageOut(id=row["id"], conversation_id=row["conversation"], author=Person(row["author"], name_of(row)),
                      kind=row["kind"], body=row["body"], created_at=row["created_at"].isoformat(),
                      mine=row["author"] == viewer_id)


@dataclass
class Seat:
    """A member's place in a conversation they currently take part in."""

    conversation_id: int
    community_id: int
    community_name: str
    title: str
    joined_after: int
    last_read: int
    created_at: Any
    last_message_at: Any
    people: list[dict[str, Any]] = field(default_factory=list)  # every participant but the viewer
    others: set[int] = field(default_factory=set)  # those still in it
    hidden: bool = False
    can_post: bool = False


async def seats(principal: Principal, conversation_id: int | None = None, hidden: bool = False) -> dict[int, Seat]:
    """The conversations the member may see (all, or one), with participants: three queries.

    With `hidden`, also those hidden by blocks (to tell a writer why they cannot write)."""
    me = principal.user_id
    sql = ("SELECT p.conversation, p.joined_after, p.last_read, c.community, c.title, c.created_at, c.last_message_at, "
           "co.name AS community_name FROM conversation_participants p JOIN conversations c ON c.id = p.conversation "
           'JOIN communities co ON co.id = c.community WHERE p."user" = {} AND p.left_at IS NULL')
    args: list[Any] = [me]
    if conversation_id is not None:
        sql += " AND p.conversation = {}"
        args.append(conversation_id)
    active = set(principal.active_community_ids)
    out = {r["conversation"]: Seat(r["conversation"], r["community"], r["community_name"], r["title"],
                                   r["joined_after"], r["last_read"], r["created_at"], r["last_message_at"])
           for r in await Conversation.raw(sql, *args) if r["community"] in active}
    if not out:
        return out
    people = await select_in(Participant, 'SELECT p.conversation, p."user", p.left_at, u.first_name, u.last_name '
                                          'FROM conversation_participants p JOIN users u ON u.id = p."user" '
                                          'WHERE p."user" != {} AND p.conversation', list(out), me)
    blocks = await blocks_of(me)
    for row in people:
        seat = out[row["conversation"]]
        seat.people.append(row)
        if row["left_at"] is None:
            seat.others.add(row["user"])
    for seat in out.values():
        reachable = {u for u in seat.others if not blocks.between(u)}
        seat.hidden = bool(seat.others) and not reachable
        seat.can_post = bool(reachable)
    return {cid: seat for cid, seat in out.items() if hidden or not seat.hidden}


async def seat_of(principal: Principal, conversation_id: int, hidden: bool = False) -> Seat:
    """The member's seat in one conversation, or 404 (not in it, left, or hidden)."""
    found = (await seats(principal, conversation_id, hidden)).get(conversation_id)
    if found is None:
        raise NotFound("Cette conversation n'existe pas ou ne vous est pas accessible.", "conversation_not_found")
    return found


async def _unread(me: int, conversation_ids: list[int]) -> dict[int, int]:
    if not conversation_ids:
        return {}
    rows = await Message.raw(
        "SELECT m.conversation, COUNT(*) AS n FROM messages m JOIN conversation_participants p "
        'ON p.conversation = m.conversation AND p."user" = {} '
        "WHERE m.kind = 'text' AND m.author != {} AND m.id > p.last_read AND m.id > p.joined_after "
        f"AND {NOT_BLOCKED_BY_ME} AND m.conversation IN ({placeholders(len(conversation_ids))}) GROUP BY m.conversation",
        me, me, me, *conversation_ids)
    return {r["conversation"]: int(r["n"]) for r in rows}


async def _last_messages(me: int, conversation_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not conversation_ids:
        return {}
    rows = await Message.raw(
        MESSAGE_COLUMNS + "WHERE m.id IN (SELECT MAX(m.id) FROM messages m JOIN conversation_participants p "
        'ON p.conversation = m.conversation AND p."user" = {} '
        f"WHERE m.id > p.joined_after AND {NOT_BLOCKED_BY_ME} "
        f"AND m.conversation IN ({placeholders(len(conversation_ids))}) GROUP BY m.conversation)",
        me, me, *conversation_ids)
    return {r["conversation"]: r for r in rows}


async def _summaries(principal: Principal, found: dict[int, Seat]) -> list[ConversationOut]:
    ids = list(found)
    unread, last = await _unread(principal.user_id, ids), await _last_messages(principal.user_id, ids)
    photos = await photo_urls(sorted({p["user"] for s in found.values() for p in s.people}))
    out = []
    for cid, seat in found.items():
        last_row = last.get(cid)
        out.append(ConversationOut(
            id=cid, community_id=seat.community_id, community_name=seat.community_name, title=seat.title,
            participants=[ParticipantOut(id=p["user"], name=name_of(p), photo_url=photos.get(p["user"]),
                                         left=p["left_at"] is not None) for p in seat.people],
            last_message=message_out(last_row, principal.user_id) if last_row else None,
            unread=unread.get(cid, 0), last_read=seat.last_read, can_post=seat.can_post,
            created_at=seat.created_at.isoformat(), updated_at=seat.last_message_at.isoformat()))
    return sorted(out, key=lambda c: (c.updated_at, c.id), reverse=True)


async def list_conversations(principal: Principal, community_id: int | None = None) -> list[ConversationOut]:
    """The member's conversations, most recently active first, with unread counts."""
    found = await seats(principal)
    if community_id is not None:
        found = {cid: s for cid, s in found.items() if s.community_id == community_id}
    return await _summaries(principal, found)


async def get_conversation(principal: Principal, conversation_id: int) -> ConversationOut:
    """One conversation as in the list (participants, last message, unread)."""
    seat = await seat_of(principal, conversation_id)
    return (await _summaries(principal, {conversation_id: seat}))[0]


async def unread(principal: Principal) -> Unread:
    """Unread messages per conversation (only those with some) and in total."""
    counts = await _unread(principal.user_id, list(await seats(principal)))
    entries = [UnreadEntry(conversation_id=cid, unread=n) for cid, n in sorted(counts.items()) if n]
    return Unread(total=sum(e.unread for e in entries), conversations=entries)


# Shared by conversations and messages -------------------------------------------------------

async def replayed_id(owner: Any, scope: Any, me: int, scope_id: int, key: str, other: str) -> int | None:
    """The id of the row `me` already created with this key (`owner`, `scope`: columns of its
    table); 409 when the key served in another scope (`other` names it, in French)."""
    table = owner._meta.table
    row = await table.select(table.id, scope).where((owner == me) & (table.idempotency_key == key)).first()
    if row and row[scope._meta.name] != scope_id:
        raise Conflict(f"Cette clé d'idempotence a déjà servi pour {other}.", "idempotency_key_reused")
    return row["id"] if row else None


async def last_message_id(conversation_id: int) -> int:
    """The id of the conversation's newest message (0 when there is none)."""
    rows = await Message.raw("SELECT COALESCE(MAX(id), 0) AS last FROM messages WHERE conversation = {}",
                             conversation_id)
    return int(rows[0]["last"])


# Messages -------------------------------------------------------------------------------------

async def load_message(message_id: int, viewer_id: int) -> MessageOut:
    """One message by id (no access check: for the caller's own or just-announced messages)."""
    rows = await Message.raw(MESSAGE_COLUMNS + "WHERE m.id = {}", message_id)
    return message_out(rows[0], viewer_id)


async def list_messages(principal: Principal, conversation_id: int, before: int | None = None,
                        after: int | None = None, limit: int = 50) -> MessagePage:
    """A page of messages, oldest first: the latest `limit`, or those before/after an id."""
    seat = await seat_of(principal, conversation_id)
    limit = max(1, min(limit, 200))
    sql = MESSAGE_COLUMNS + f"WHERE m.conversation = {{}} AND m.id > {{}} AND {NOT_BLOCKED_BY_ME}"
    args: list[Any] = [conversation_id, seat.joined_after, principal.user_id]
    if before:
        sql += " AND m.id < {}"
        args.append(before)
    if after:
        sql += " AND m.id > {}"
        args.append(after)
    order = "ASC" if after else "DESC"
    rows = await Message.raw(sql + f" ORDER BY m.id {order} LIMIT {{}}", *args, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if not after:
        rows.reverse()
    return MessagePage(items=[message_out(r, principal.user_id) for r in rows],
                       next_before=rows[0]["id"] if more and not after and rows else None, last_read=seat.last_read)


async def _replayed_message(me: int, conversation_id: int, key: str) -> int | None:
    return await replayed_id(Message.author, Message.conversation, me, conversation_id, key,
                           "un message d'une autre conversation")


async def send_message(res: Mapping[str, Any], principal: Principal, conversation_id: int, body: str,
                       idempotency_key: str | None) -> tuple[MessageOut, bool]:
    """A message posted in the app: (message, created). A replayed key (an offline outbox) returns
    the first message and is not counted against the member's hourly number of messages.

    `res`: the process's resources (`app.state`: settings, valkey, queues); after the commit the
    notification is enqueued and the message announced live (see `post_message`)."""
    n = res["settings"].messages_per_hour
    limit = ratelimit.CreationLimit(
        res["valkey"], f"messages:{principal.user_id}", n, 3600,
        f"Vous avez déjà envoyé {n} messages cette heure-ci. Réessayez dans {{minutes}} min.", "message_rate_limited")
    message, created, _ = await post_message(principal, conversation_id, body, idempotency_key, limit.check, res=res)
    if created:
        await limit.count()
    return message, created


async def post_message(principal: Principal, conversation_id: int, body: str, idempotency_key: str | None,
                       limit: Limit | None = None, *, res: Mapping[str, Any] | None = None
                       ) -> tuple[MessageOut, bool, list[int]]:
    """Write a message and its notification outbox row in one transaction.

    Returns (message, created, listeners): a replayed key returns the first message and
    creates nothing; listeners are the participants who hear of it live (not who blocked me).
    `limit` runs after the replay check and the validation, just before writing. With `res`
    (the process's resources), once committed the notification is handed to the fan-out queue
    and `message.created` goes to the listeners' live streams.
    """
    me = principal.user_id
    key = check_idempotency_key(idempotency_key)
    if replay := await _replayed_message(me, conversation_id, key):
        return await load_message(replay, me), False, []
    text = body.strip()
    if not 1 <= len(text) <= MAX_BODY:
        raise DomainError(f"Le message doit faire entre 1 et {MAX_BODY} caractères.", "invalid_message")
    seat = await seat_of(principal, conversation_id, hidden=True)
    if not seat.others:
        raise Conflict("Plus personne d'autre ne participe à cette conversation.", "conversation_closed")
    if not seat.can_post:
        raise Forbidden("Vous ne pouvez pas écrire dans cette conversation.", "blocked")
    if limit is not None:
        await limit()
    blocked_me = (await blocks_of(me)).against_me
    listeners = [me, *(u for u in seat.others if u not in blocked_me)]
    now = clock.now()
    try:
        async with write_transaction():
            rows = await Message.insert(Message(conversation=conversation_id, author=me, body=text, idempotency_key=key,
                                                created_at=now)).returning(Message.id)
            message_id = rows[0]["id"]
            await Conversation.update({Conversation.last_message_at: now}).where(Conversation.id == conversation_id)
            await Participant.update({Participant.last_read: message_id}).where(
                (Participant.conversation == conversation_id) & (Participant.user == me))
            await delivery.add_outbox(MESSAGE_KIND, message_id)
            message = await load_message(message_id, me)
            if res is not None:
                on_commit(partial(delivery.dispatch, res["queues"], MESSAGE_KIND, message_id))
                on_commit(partial(announce, res, message, listeners))
    except Exception as exc:  # two replays racing: the unique (author, key) index lets one through
        if "unique" in str(exc).lower() and (again := await _replayed_message(me, conversation_id, key)):
            return await load_message(again, me), False, []
        raise
    return message, True, listeners


async def mark_read(principal: Principal, conversation_id: int, message_id: int | None) -> Unread:
    """Everything up to `message_id` (default: the latest) is read; returns the new unread counts."""
    await seat_of(principal, conversation_id)
    last = await last_message_id(conversation_id)
    up_to = last if message_id is None else min(message_id, last)
    await Participant.raw(
        'UPDATE conversation_participants SET last_read = {} WHERE conversation = {} AND "user" = {} '
        "AND last_read < {}", up_to, conversation_id, principal.user_id, up_to)
    return await unread(principal)
