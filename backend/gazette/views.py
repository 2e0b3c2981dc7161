"""Gazette posts as the API shows them: a page of rows becomes PostOut Structs in a constant
number of queries (photos, comment counts, event answers, the caller's own requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.auth.principal import Principal
from backend.gazette.access import KINDS, MAIRIE, load, mairie_targets, permissions, person
from backend.gazette.schemas import (
    Carpool, Classified, CommentOut, EventInfo, Mairie, MyRideRequest, PhotoOut, PostOut, RideRequestOut,
)
from backend.gazette.tables import GazetteComment, GazettePhoto, GazetteRideRequest, GazetteRsvp
from backend.lib import clock
from backend.lib.sql import placeholders
from backend.lib.text import iso


async def _count_by_post(table: Any, post_ids: list[int], extra: str = "") -> list[dict[str, Any]]:
    group = f", {extra}" if extra else ""
    return await table.raw(
        f"SELECT post{group}, COUNT(*) AS n FROM {table._meta.tablename} "
        f"WHERE post IN ({placeholders(len(post_ids))}) GROUP BY post{group}", *post_ids)


def photo_out(r: dict[str, Any]) -> PhotoOut:
    return PhotoOut(id=r["id"], url=f"/api/v1/gazette/photos/{r['id']}", width=r["width"], height=r["height"],
                    media_type=r["media_type"])


async def shape(principal: Principal, rows: list[dict[str, Any]], *, detail: bool = False) -> list[PostOut]:
    """PostOut for each row: photos, counts and the caller's own answers in a few batched queries."""
    if not rows:
        return []
    me, now = principal.user_id, clock.now()
    ids = [r["id"] for r in rows]
    pics: dict[int, list[PhotoOut]] = {i: [] for i in ids}
    for p in await GazettePhoto.select().where(GazettePhoto.post.is_in(ids)).order_by(GazettePhoto.position):
        pics[p["post"]].append(photo_out(p))
    comments = {r["post"]: int(r["n"]) for r in await _count_by_post(GazetteComment, ids)}
    events = [r["id"] for r in rows if r["kind"] == "event"]
    rides = [r["id"] for r in rows if r["kind"] == "carpool"]
    mairie = [r["id"] for r in rows if r["kind"] == MAIRIE and not r["all_communities"]]
    answers: dict[tuple[int, str], int] = {}
    mine: dict[int, str] = {}
    if events:
        answers = {(r["post"], r["answer"]): int(r["n"]) for r in await _count_by_post(GazetteRsvp, events, "answer")}
        mine = {r["post"]: r["answer"] for r in await GazetteRsvp.select(GazetteRsvp.post, GazetteRsvp.answer).where(
            GazetteRsvp.post.is_in(events) & (GazetteRsvp.user == me))}
    my_rides: dict[int, MyRideRequest] = {}
    requests: dict[int, list[RideRequestOut]] = {}
    if rides:
        for r in await GazetteRideRequest.select(GazetteRideRequest.id, GazetteRideRequest.post,
                                                 GazetteRideRequest.status).where(
                GazetteRideRequest.post.is_in(rides) & (GazetteRideRequest.user == me)):
            my_rides[r["post"]] = MyRideRequest(id=r["id"], status=r["status"])
        own = [r["id"] for r in rows if r["kind"] == "carpool" and r["author"] == me]
        if detail and own:
            for req in await ride_requests(own):
                requests.setdefault(req.post_id, []).append(req)
    targets = await mairie_targets(mairie)
    out = []
    for r in rows:
        r.setdefault("targets", targets.get(r["id"]))
        post = PostOut(
            id=r["id"], kind=r["kind"], kind_label=KINDS.get(r["kind"], r["kind"]), title=r["title"], body=r["body"],
            community_id=r["community"], commune_id=r["commune"],
            author=person(r["author"], r["author.first_name"], r["author.last_name"]),
            created_at=iso(r["created_at"]) or "", pinned=is_pinned(r, now), status=r["status"],
            removed_reason=r["removed_reason"] if r["status"] != "published" else None,
            photos=pics[r["id"]], comment_count=comments.get(r["id"], 0), can=permissions(principal, r),
        )
        if r["kind"] == "classified":
            post.classified = Classified(price_cents=r["price_cents"], free=r["is_free"],
                                         expires_at=iso(r["expires_at"]) or "", expired=r["expires_at"] <= now)
        elif r["kind"] == "event":
            post.event = EventInfo(starts_at=iso(r["starts_at"]) or "", ends_at=iso(r["ends_at"]), place=r["place"],
                                   going=answers.get((r["id"], "going"), 0), maybe=answers.get((r["id"], "maybe"), 0),
                                   my_answer=mine.get(r["id"], "none"))
        elif r["kind"] == "carpool":
            left = max(r["seats"] - r["seats_taken"], 0)
            post.carpool = Carpool(
                from_place=r["from_place"], to_place=r["to_place"], departs_at=iso(r["starts_at"]) or "",
                seats=r["seats"], seats_taken=r["seats_taken"], seats_left=left, full=left == 0,
                departed=r["starts_at"] <= now, my_request=my_rides.get(r["id"]),
                requests=requests.get(r["id"], []) if detail and r["author"] == me else None)
        elif r["kind"] == MAIRIE:
            post.mairie = Mairie(commune_name=r["commune.name"], expires_at=iso(r["expires_at"]) or "",
                                 community_ids=None if r["all_communities"] else r["targets"] or [])
        out.append(post)
    return out


def is_pinned(row: dict[str, Any], now: datetime) -> bool:
    if row["status"] != "published":
        return False
    if row["kind"] == MAIRIE:
        return row["expires_at"] is not None and row["expires_at"] > now
    return row["pinned_at"] is not None


async def ride_requests(post_ids: list[int]) -> list[RideRequestOut]:
    rows = await GazetteRideRequest.select(
        GazetteRideRequest.all_columns(), GazetteRideRequest.user.first_name, GazetteRideRequest.user.last_name,
    ).where(GazetteRideRequest.post.is_in(post_ids)).order_by(GazetteRideRequest.id)
    return [ride_request_out(r) for r in rows]


def ride_request_out(r: dict[str, Any]) -> RideRequestOut:
    return RideRequestOut(id=r["id"], post_id=r["post"], user=person(r["user"], r["user.first_name"], r["user.last_name"]),
                          status=r["status"], message=r["message"], created_at=iso(r["created_at"]) or "",
                          answered_at=iso(r["answered_at"]))


async def post_out(principal: Principal, post_id: int) -> PostOut:
    return (await shape(principal, [await load(post_id)]))[0]


def comment_out(c: dict[str, Any], principal: Principal, may_moderate: bool) -> CommentOut:
    return CommentOut(id=c["id"], post_id=c["post"], author=person(c["author"], c["author.first_name"],
                                                                   c["author.last_name"]),
                      body=c["body"], created_at=iso(c["created_at"]) or "",
                      can_delete=may_moderate or c["author"] == principal.user_id)
