"""Seats in Gazette carpools: asking, the driver's answer, withdrawing, and telling passengers of a deleted carpool.

Seat requests and answers notify through the delivery outbox, written in the same transaction.
Seats are counted on the post itself with a guarded UPDATE (`seats_taken < seats`), so two
acceptances at once can never overbook a car.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any, Mapping

from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.gazette.access import is_unique_violation, reader_communities, visible
from backend.gazette.schemas import RideRequestOut
from backend.gazette.tables import GazettePost, GazetteRideCancellation, GazetteRideRequest
from backend.gazette.live import publish_post_event
from backend.gazette.views import ride_request_out
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound

RIDE_ASK_KIND = "gazette_ride_ask"  # to the driver
RIDE_ANSWER_KIND = "gazette_ride_answer"  # to the passenger
RIDE_CANCEL_KIND = "gazette_ride_cancel"  # to the passengers of a deleted carpool (≤ 20 characters)


async def _request(request_id: int) -> dict[str, Any]:
    row = await GazetteRideRequest.select(
        GazetteRideRequest.all_columns(), GazetteRideRequest.user.first_name, GazetteRideRequest.user.last_name,
    ).where(GazetteRideRequest.id == request_id).first()
    if row is None:
        raise NotFound("Cette demande n'existe pas (ou plus).", "ride_request_not_found")
    return row


async def request_seat(principal: Principal, post_id: int, message: str, *,
                       res: Mapping[str, Any] | None = None) -> tuple[RideRequestOut, dict[str, Any]]:
    """Ask the driver for a seat: refused when the car is full, gone, or already asked. With `res`
    (`app.state`), the driver's notice goes to the fan-out queue once committed."""
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
            if res is not None:
                on_commit(partial(delivery.dispatch, res["queues"], RIDE_ASK_KIND, rows[0]["id"]))
    except Exception as exc:  # asked twice at once: the unique index lets one through
        if is_unique_violation(exc):
            raise Conflict("Vous avez déjà demandé une place dans ce covoiturage.", "already_requested") from None
        raise
    return ride_request_out(await _request(rows[0]["id"])), row


async def answer_request(principal: Principal, request_id: int, accept: bool, *,
                         res: Mapping[str, Any] | None = None) -> tuple[RideRequestOut, dict[str, Any]]:
    """The driver accepts (a seat is taken, if one is left) or refuses; the passenger is told. With
    `res` (`app.state`), once committed the notice goes to the fan-out queue and
    `gazette.post_updated` to the live streams."""
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
        if res is not None:
            on_commit(partial(delivery.dispatch, res["queues"], RIDE_ANSWER_KIND, request_id))
            on_commit(partial(publish_post_event, res, "gazette.post_updated", row))
    return ride_request_out(await _request(request_id)), row


async def withdraw_request(principal: Principal, request_id: int, *,
                           res: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The passenger takes their request back; an accepted seat is freed.
    With `res` (`app.state`), the live streams hear of it once committed."""
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
        if res is not None:
            on_commit(partial(publish_post_event, res, "gazette.post_updated", row))
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
