"""Taking part: comments, answers to events, seats in carpools.

Comments and seat requests notify through the delivery outbox, written in the same
transaction as the comment or request. Seats are counted on the post itself with a guarded
UPDATE (`seats_taken < seats`), so two acceptances at once can never overbook a car.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

from backend.alerts.service import check_idempotency_key
from backend.auth.principal import Principal
from backend.db import write_transaction
from backend.delivery import service as delivery
from backend.gazette.access import (
    can_moderate_locally, is_platform, is_unique_violation, permissions, reader_communities, visible,
)
from backend.gazette.schemas import CommentOut, RideRequestOut, RsvpOut
from backend.gazette.tables import (
    GazetteComment, GazettePost, GazetteRideCancellation, GazetteRideRequest, GazetteRsvp,
)
from backend.gazette.views import comment_out, ride_request_out
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound

COMMENT_KIND = "gazette_comment"  # to the post's author (push)
RIDE_ASK_KIND = "gazette_ride_ask"  # to the driver
RIDE_ANSWER_KIND = "gazette_ride_answer"  # to the passenger
RIDE_CANCEL_KIND = "gazette_ride_cancel"  # to the passengers of a deleted carpool (≤ 20 characters)
ANSWERS = ("going", "maybe", "none")


# Comments ----------------------------------------------------------------------------------------

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


async def add_comment(principal: Principal, post_id: int, body: str, idempotency_key: str | None = None,
                      limit: Callable[[], Awaitable[None]] | None = None) -> tuple[CommentOut, dict[str, Any], bool]:
    """Write a comment (and its notification outbox row) under a published post.

    Returns (comment, post row, created). With an Idempotency-Key (the PWA's offline outbox), a
    replayed key returns the first comment and creates nothing. `limit` runs after the replay
    check and the validation, just before writing (a replay is never refused by it).
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
    except Exception as exc:  # two replays racing: the unique (author, key) index lets one through
        if key and is_unique_violation(exc) and (again := await _replayed_comment(principal.user_id, post_id, key)):
            return await _load_comment(again, principal, row), row, False
        raise
    return await _load_comment(comment_id, principal, row), row, True


async def delete_comment(principal: Principal, comment_id: int) -> dict[str, Any]:
    """Its author, the referents of the post's community, or a moderator."""
    comment = await GazetteComment.select().where(GazetteComment.id == comment_id).first()
    if comment is None:
        raise NotFound("Ce commentaire n'existe pas (ou plus).", "comment_not_found")
    row = await visible(principal, comment["post"])
    if not (comment["author"] == principal.user_id or is_platform(principal) or can_moderate_locally(principal, row)):
        raise Forbidden("Vous ne pouvez pas supprimer ce commentaire.", "cannot_delete_comment")
    await GazetteComment.delete().where(GazetteComment.id == comment_id)
    return row


# Events ------------------------------------------------------------------------------------------

async def rsvp_counts(post_id: int, user_id: int) -> RsvpOut:
    rows = await GazetteRsvp.select(GazetteRsvp.user, GazetteRsvp.answer).where(GazetteRsvp.post == post_id)
    mine = next((r["answer"] for r in rows if r["user"] == user_id), "none")
    return RsvpOut(going=sum(r["answer"] == "going" for r in rows), maybe=sum(r["answer"] == "maybe" for r in rows),
                   my_answer=mine)


async def answer_event(principal: Principal, post_id: int, answer: str) -> tuple[RsvpOut, dict[str, Any]]:
    """"Je viens", "peut-être" or no answer; members of the community, until the event is over."""
    if answer not in ANSWERS:
        raise DomainError("Réponse inconnue (going, maybe ou none).", "invalid_answer")
    row = await visible(principal, post_id, published=True)
    if row["kind"] != "event":
        raise DomainError("On ne répond qu'à un événement.", "not_an_event")
    if not reader_communities(principal, row, None):
        raise Forbidden("Seuls les membres du quartier répondent aux événements.", "not_member")
    if (row["ends_at"] or row["starts_at"]) <= clock.now():
        raise Conflict("Cet événement est passé.", "event_over")
    me = principal.user_id
    try:
        async with write_transaction():
            await GazetteRsvp.delete().where((GazetteRsvp.post == post_id) & (GazetteRsvp.user == me))
            if answer != "none":
                await GazetteRsvp.insert(GazetteRsvp(post=post_id, user=me, answer=answer, updated_at=clock.now()))
    except Exception as exc:  # the same person answering twice at once: one answer wins
        if not is_unique_violation(exc):
            raise
    return await rsvp_counts(post_id, me), row


# Carpools ----------------------------------------------------------------------------------------

async def _request(request_id: int) -> dict[str, Any]:
    row = await GazetteRideRequest.select(
        GazetteRideRequest.all_columns(), GazetteRideRequest.user.first_name, GazetteRideRequest.user.last_name,
    ).where(GazetteRideRequest.id == request_id).first()
    if row is None:
        raise NotFound("Cette demande n'existe pas (ou plus).", "ride_request_not_found")
    return row


async def request_seat(principal: Principal, post_id: int, message: str) -> tuple[RideRequestOut, dict[str, Any]]:
    """Ask the driver for a seat: refused when the car is full, gone, or already asked."""
    row = await visible(principal, post_id, published=True)
    if row["kind"] != "carpool":
        raise DomainError("On ne demande une place que pour un covoiturage.", "not_a_carpool")
    if row["author"] == principal.user_id:
        raise DomainError("C'est votre propre covoiturage.", "own_carpool")
    if not reader_communities(principal, row, None):
        raise Forbidden("Seuls les membres du quartier demandent une place.", "not_member")
    if row["starts_at"] <= clock.now():
        raise Conflict("Ce covoiturage est déjà parti.", "ride_departed")
    if row["seats_taken"] >= row["seats"]:
        raise Conflict("Ce covoiturage est complet.", "ride_full")
    message = message.strip()
    if len(message) > 500:
        raise DomainError("Le message est trop long (500 caractères au plus).", "invalid_message")
    if await GazetteRideRequest.exists().where(
            (GazetteRideRequest.post == post_id) & (GazetteRideRequest.user == principal.user_id)):
        raise Conflict("Vous avez déjà demandé une place dans ce covoiturage.", "already_requested")
    try:
        async with write_transaction():
            rows = await GazetteRideRequest.insert(GazetteRideRequest(
                post=post_id, user=principal.user_id, message=message)).returning(GazetteRideRequest.id)
            await delivery.add_outbox(RIDE_ASK_KIND, rows[0]["id"])
    except Exception as exc:  # asked twice at once: the unique index lets one through
        if is_unique_violation(exc):
            raise Conflict("Vous avez déjà demandé une place dans ce covoiturage.", "already_requested") from None
        raise
    return ride_request_out(await _request(rows[0]["id"])), row


async def answer_request(principal: Principal, request_id: int, accept: bool) -> tuple[RideRequestOut, dict[str, Any]]:
    """The driver accepts (a seat is taken, if one is left) or refuses; the passenger is told."""
    request = await _request(request_id)
    row = await visible(principal, request["post"], published=True)
    if row["author"] != principal.user_id:
        raise Forbidden("Seul le conducteur répond aux demandes.", "not_author")
    if request["status"] != "pending":
        raise Conflict("Vous avez déjà répondu à cette demande.", "already_answered")
    async with write_transaction():
        if accept:
            taken = await GazettePost.raw(
                "UPDATE gazette_posts SET seats_taken = seats_taken + 1 WHERE id = {} AND seats_taken < seats "
                "RETURNING id", row["id"])
            if not taken:
                raise Conflict("Ce covoiturage est complet.", "ride_full")
        updated = await GazetteRideRequest.update({
            GazetteRideRequest.status: "accepted" if accept else "refused", GazetteRideRequest.answered_at: clock.now(),
        }).where((GazetteRideRequest.id == request_id) & (GazetteRideRequest.status == "pending")).returning(
            GazetteRideRequest.id)
        if not updated:  # answered meanwhile (the transaction rolls the seat back)
            raise Conflict("Vous avez déjà répondu à cette demande.", "already_answered")
        await delivery.add_outbox(RIDE_ANSWER_KIND, request_id)
    return ride_request_out(await _request(request_id)), row


async def withdraw_request(principal: Principal, request_id: int) -> dict[str, Any]:
    """The passenger takes their request back; an accepted seat is freed."""
    request = await _request(request_id)
    if request["user"] != principal.user_id:
        raise Forbidden("Seul le demandeur peut retirer sa demande.", "not_requester")
    row = await visible(principal, request["post"])
    async with write_transaction():
        deleted = await GazetteRideRequest.delete().where(GazetteRideRequest.id == request_id).returning(
            GazetteRideRequest.status)
        if deleted and deleted[0]["status"] == "accepted":
            await GazettePost.raw("UPDATE gazette_posts SET seats_taken = seats_taken - 1 WHERE id = {} "
                                  "AND seats_taken > 0", row["id"])
    return row


async def record_cancellation(row: dict[str, Any]) -> int | None:
    """Inside the transaction deleting a carpool: keep what its passengers must be told (accepted
    and pending requests, not refused ones) and queue the notice. None when there is nobody to
    tell, or the car has left already."""
    if row["kind"] != "carpool" or row["starts_at"] <= clock.now():
        return None
    users = [r["user"] for r in await GazetteRideRequest.select(GazetteRideRequest.user).where(
        (GazetteRideRequest.post == row["id"]) & GazetteRideRequest.status.is_in(["accepted", "pending"])
    ).order_by(GazetteRideRequest.id)]
    if not users:
        return None
    rows = await GazetteRideCancellation.insert(GazetteRideCancellation(
        post_id=row["id"], title=row["title"], from_place=row["from_place"], to_place=row["to_place"],
        departs_at=row["starts_at"], passengers=json.dumps(users),
    )).returning(GazetteRideCancellation.id)
    await delivery.add_outbox(RIDE_CANCEL_KIND, rows[0]["id"])
    return rows[0]["id"]
