"""Blocks between members: who blocked whom (the rules they make are in service.py)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.auth.principal import Principal
from backend.lib import clock
from backend.lib.errors import DomainError, NotFound
from backend.lib.sql import bulk_insert
from backend.messages.schemas import BlockOut
from backend.messages.tables import Block


@dataclass
class Blocks:
    mine: set[int]  # people I blocked
    against_me: set[int]  # people who blocked me

    def between(self, user_id: int) -> bool:
        return user_id in self.mine or user_id in self.against_me


async def blocks_of(user_id: int) -> Blocks:
    """Whom the member blocked, and who blocked them: one query."""
    rows = await Block.raw("SELECT blocker, blocked FROM message_blocks WHERE blocker = {} OR blocked = {}",
                           user_id, user_id)
    return Blocks(mine={r["blocked"] for r in rows if r["blocker"] == user_id},
                  against_me={r["blocker"] for r in rows if r["blocked"] == user_id})


async def known_to(me: int, user_id: int) -> bool:
    """Whether `user_id` is someone `me` may know of: an active member of one of `me`'s communities,
    or someone who shared a conversation with them. Anyone else is answered as nonexistent, so no
    one can read the names of admins or of other communes' people by trying ids."""
    rows = await Block.raw(
        "SELECT 1 AS known FROM memberships a JOIN memberships b ON b.community = a.community "
        "WHERE a.\"user\" = {} AND b.\"user\" = {} AND a.status = 'active' AND b.status = 'active' "
        "UNION SELECT 1 AS known FROM conversation_participants a JOIN conversation_participants b "
        "ON b.conversation = a.conversation WHERE a.\"user\" = {} AND b.\"user\" = {}",
        me, user_id, me, user_id)
    return bool(rows)


async def block(principal: Principal, user_id: int) -> None:
    """From now on the member neither sees nor receives anything from `user_id` (someone they may
    know of: see `known_to`)."""
    if user_id == principal.user_id:
        raise DomainError("Vous ne pouvez pas vous bloquer vous-même.", "invalid_block")
    if not await known_to(principal.user_id, user_id):
        raise NotFound("Ce membre n'existe pas.", "user_not_found")
    await bulk_insert(Block, ["blocker", "blocked", "created_at"], [(principal.user_id, user_id, clock.now())])


async def unblock(principal: Principal, user_id: int) -> None:
    """Lift a block (nothing happens if there was none)."""
    await Block.delete().where((Block.blocker == principal.user_id) & (Block.blocked == user_id))


async def list_blocks(principal: Principal) -> list[BlockOut]:
    """The people the member blocked, oldest block first."""
    rows = await Block.select(Block.blocked, Block.created_at, Block.blocked.first_name, Block.blocked.last_name).where(
        Block.blocker == principal.user_id).order_by(Block.id)
    return [BlockOut(user_id=r["blocked"], name=f"{r['blocked.first_name']} {r['blocked.last_name']}".strip(),
                     created_at=r["created_at"].isoformat()) for r in rows]
