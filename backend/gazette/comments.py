"""Comments under Gazette posts: writing (with an Idempotency-Key for the PWA's offline outbox) and deleting.

A comment on someone else's post notifies its author through the delivery outbox, written in the
same transaction as the comment.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Awaitable, Callable, Mapping

from backend.alerts.service import check_idempotency_key
from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.gazette.access import can_moderate_locally, is_platform, is_unique_violation, permissions, visible
from backend.gazette.schemas import CommentOut
from backend.gazette.tables import GazetteComment
from backend.gazette.limits import creation_limit
from backend.gazette.live import publish_post_event
from backend.gazette.views import comment_out
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound

COMMENT_KIND = "gazette_comment"  # to the post's author (push)


async def _replayed_comment(me: int, post_id: int, key: str) -> int | None:
    """The comment `me` already wrote with this key; 409 when the key served under another post."""
    row = await GazetteComment.select(GazetteComment.id, GazetteComment.post).where(
        (GazetteComment.author == me) & (GazetteComment.idempotency_key == key)).first()
    if row and row["post"] != post_id:
        raise Conflict("Cette clé d'idempotence a déjà servi pour un commentaire d'une autre publication.",
                       "idempotency_key_reused")
    return row["id"] if row else None


async def _load_comment(comment_id: int, principal: Principal, row: dict[str, Any]) -> CommentOut:
    saved = await GazetteComment.select(GazetteComment.all_columns(), GazetteComment.author.first_name,
                                        GazetteComment.author.last_name).where(GazetteComment.id == comment_id).first()
    return comment_out(saved, principal, is_platform(principal) or can_moderate_locally(principal, row))


async def post_comment(res: Mapping[str, Any], principal: Principal, post_id: int, body: str,
                       idempotency_key: str | None) -> tuple[CommentOut, bool]:
    """A comment written in the app: (comment, created). A replayed key (the PWA's offline outbox)
    returns the first comment and is not counted against the hourly limit (`res`: `app.state`)."""
    limit = creation_limit(res, principal.user_id, "comments")
    comment, _, created = await add_comment(principal, post_id, body, idempotency_key, limit.check, res=res)
    if created:
        await limit.count()
    return comment, created


async def add_comment(principal: Principal, post_id: int, body: str, idempotency_key: str | None = None,
                      limit: Callable[[], Awaitable[None]] | None = None, *,
                      res: Mapping[str, Any] | None = None) -> tuple[CommentOut, dict[str, Any], bool]:
    """Write a comment (and its notification outbox row) under a published post.

    Returns (comment, post row, created). With an Idempotency-Key (the PWA's offline outbox), a
    replayed key returns the first comment and creates nothing. `limit` runs after the replay
    check and the validation, just before writing (a replay is never refused by it). With `res`
    (`app.state`), once committed the author's notice goes to the fan-out queue and
    `gazette.comment_created` to the live streams.
    """
    key = check_idempotency_key(idempotency_key) if idempotency_key is not None else None
    row = await visible(principal, post_id, published=True)
    if key and (replay := await _replayed_comment(principal.user_id, post_id, key)):
        return await _load_comment(replay, principal, row), row, False
    if not permissions(principal, row).comment:
        raise Forbidden("Seuls les membres du quartier et la mairie peuvent commenter.", "cannot_comment")
    body = body.strip()
    if not 1 <= len(body) <= 2000:
        raise DomainError("Le commentaire doit faire entre 1 et 2000 caractères.", "invalid_comment")
    if limit is not None:
        await limit()
    try:
        async with write_transaction():
            rows = await GazetteComment.insert(GazetteComment(post=post_id, author=principal.user_id, body=body,
                                                              idempotency_key=key)).returning(GazetteComment.id)
            comment_id = rows[0]["id"]
            if row["author"] != principal.user_id:
                await delivery.add_outbox(COMMENT_KIND, comment_id)
                if res is not None:
                    on_commit(partial(delivery.dispatch, res["queues"], COMMENT_KIND, comment_id))
            if res is not None:
                on_commit(partial(publish_post_event, res, "gazette.comment_created", row, comment_id=comment_id))
    except Exception as exc:  # two replays racing: the unique (author, key) index lets one through
        if key and is_unique_violation(exc) and (again := await _replayed_comment(principal.user_id, post_id, key)):
            return await _load_comment(again, principal, row), row, False
        raise
    return await _load_comment(comment_id, principal, row), row, True


async def delete_comment(principal: Principal, comment_id: int, *,
                         res: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Its author, the referents of the post's community, or a moderator.
    With `res` (`app.state`), the live streams hear of it once committed."""
    comment = await GazetteComment.select().where(GazetteComment.id == comment_id).first()
    if comment is None:
        raise NotFound("Ce commentaire n'existe pas (ou plus).", "comment_not_found")
    row = await visible(principal, comment["post"])
    if not (comment["author"] == principal.user_id or is_platform(principal) or can_moderate_locally(principal, row)):
        raise Forbidden("Vous ne pouvez pas supprimer ce commentaire.", "cannot_delete_comment")
    async with write_transaction():
        await GazetteComment.delete().where(GazetteComment.id == comment_id)
        if res is not None:
            on_commit(partial(publish_post_event, res, "gazette.comment_deleted", row, comment_id=comment_id))
    return row
