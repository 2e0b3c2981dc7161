"""La Gazette: posting, reading (who may see what), listing with pins, search, author deletion.

A post belongs to one community and is read by its active members, the mairie staff of its
commune, moderators and admins. A mairie communication belongs to a commune and is shown in
every community of it (or the ones chosen), pinned until it expires. Pages are built from a
constant number of queries (posts, then photos, counts and my answers for the whole page).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Sequence

from backend.auth.principal import Principal
from backend.communities import service as communities
from backend.communities.tables import Community
from backend.db import write_transaction
from backend.delivery import service as delivery
from backend.delivery.service import LOCAL_TZ
from backend.gazette import photos as photo_files
from backend.gazette.schemas import (
    Carpool, Classified, CommentOut, CommunicationIn, EventInfo, Mairie, MyRideRequest, Permissions, Person,
    PhotoOut, PostDetail, PostIn, PostOut, PostPage, RideRequestOut,
)
from backend.gazette.search import fold, query_words
from backend.gazette.tables import (
    GazetteComment, GazettePhoto, GazettePost, GazettePostCommunity, GazetteReport, GazetteRideRequest,
    GazetteRsvp,
)
from backend.lib import clock
from backend.lib.errors import DomainError, Forbidden, NotFound
from backend.lib.sql import placeholders
from backend.mairie import audit

KINDS = {
    "classified": "Petite annonce",
    "news": "Actualité du quartier",
    "minutes": "Compte-rendu",
    "event": "Événement",
    "carpool": "Covoiturage",
    "mairie": "Communication de la mairie",
}
MEMBER_KINDS = ("classified", "news", "minutes", "event", "carpool")
MAIRIE = "mairie"
MAIRIE_KIND = "gazette_mairie"  # delivery kind: a new communication, to every member concerned
CLASSIFIED_DAYS, CLASSIFIED_MAX_DAYS = 30, 90
MAX_PRICE_CENTS = 10_000_000
MAX_SEATS = 8
PAGE_MAX, PINNED_MAX, COMMENTS_MAX = 50, 20, 500

COLUMNS = (GazettePost.all_columns(exclude=[GazettePost.search_text]), GazettePost.author.first_name,
            GazettePost.author.last_name, GazettePost.commune.name)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def aware(value: datetime | None) -> datetime | None:
    """A date from a form: without an offset it is French (or Belgian) local time."""
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


def person(user_id: int, first_name: str, last_name: str) -> Person:
    return Person(id=user_id, name=f"{first_name} {last_name}".strip())


# Validation ----------------------------------------------------------------------------------

def _text(value: str, low: int, high: int, message: str, code: str) -> str:
    value = value.strip()
    if not low <= len(value) <= high:
        raise DomainError(message, code)
    return value


def _title_body(title: str, body: str) -> dict[str, str]:
    return {"title": _text(title, 3, 120, "Le titre doit faire entre 3 et 120 caractères.", "invalid_title"),
            "body": _text(body, 1, 5000, "Le texte doit faire entre 1 et 5000 caractères.", "invalid_body")}


def _future(value: datetime | None, now: datetime, horizon: timedelta, missing: str, code: str) -> datetime:
    value = aware(value)
    if value is None:
        raise DomainError(missing, code)
    if not now < value <= now + horizon:
        days = horizon.days
        raise DomainError(f"Choisissez une date à venir, dans les {days} jours.", code)
    return value


def _place(value: str, label: str, code: str) -> str:
    return _text(value, 2, 200, f"Indiquez {label} (200 caractères au plus).", code)


def validate_post(data: PostIn, now: datetime) -> dict[str, Any]:
    """The columns of a member's post, checked for its kind."""
    if data.kind == MAIRIE:
        raise Forbidden("Seule la mairie publie des communications de la mairie.", "kind_reserved")
    if data.kind not in MEMBER_KINDS:
        raise DomainError("Type de publication inconnu.", "invalid_kind")
    values: dict[str, Any] = {"kind": data.kind, **_title_body(data.title, data.body)}
    if data.kind == "classified":
        if data.free:
            values.update(is_free=True, price_cents=None)
        elif data.price_cents is None or not 1 <= data.price_cents <= MAX_PRICE_CENTS:
            raise DomainError("Indiquez un prix (jusqu'à 100 000 €) ou cochez « gratuit ».", "invalid_price")
        else:
            values.update(is_free=False, price_cents=data.price_cents)
        expires = aware(data.expires_at) or now + timedelta(days=CLASSIFIED_DAYS)
        values["expires_at"] = _future(expires, now, timedelta(days=CLASSIFIED_MAX_DAYS), "", "invalid_expiry")
    elif data.kind == "event":
        starts = _future(data.starts_at, now, timedelta(days=365), "Indiquez la date de l'événement.",
                         "invalid_event_date")
        ends = aware(data.ends_at)
        if ends is not None and not starts <= ends <= starts + timedelta(days=30):
            raise DomainError("La fin doit suivre le début (30 jours au plus).", "invalid_event_end")
        values.update(starts_at=starts, ends_at=ends, place=_place(data.place, "le lieu", "invalid_place"))
    elif data.kind == "carpool":
        values.update(
            from_place=_place(data.from_place, "le point de départ", "invalid_from"),
            to_place=_place(data.to_place, "la destination", "invalid_to"),
            starts_at=_future(data.departs_at, now, timedelta(days=180), "Indiquez la date et l'heure du départ.",
                              "invalid_departure"),
        )
        if data.seats is None or not 1 <= data.seats <= MAX_SEATS:
            raise DomainError(f"Proposez entre 1 et {MAX_SEATS} places.", "invalid_seats")
        values["seats"] = data.seats
    values["search_text"] = fold(values["title"], values["body"], values.get("place", ""),
                                 values.get("from_place", ""), values.get("to_place", ""))
    return values


# Creating --------------------------------------------------------------------------------------

async def create_post(principal: Principal, community_id: int, data: PostIn) -> PostOut:
    """A member's post in their community (the guard checked the membership)."""
    values = validate_post(data, clock.now())
    community = await communities.require_community(community_id)
    rows = await GazettePost.insert(GazettePost(community=community_id, commune=community["commune"],
                                                author=principal.user_id, **values)).returning(GazettePost.id)
    return await post_out(principal, rows[0]["id"])


async def create_communication(principal: Principal, commune_id: int, data: CommunicationIn) -> PostOut:
    """A mairie communication, with its outbox row in the same transaction (members are notified)."""
    now = clock.now()
    values = _title_body(data.title, data.body)
    expires = _future(data.expires_at, now, timedelta(days=365), "Indiquez jusqu'à quand l'afficher.", "invalid_expiry")
    targets: list[int] = []
    if data.community_ids is not None:
        targets = sorted(set(data.community_ids))
        known = await Community.select(Community.id).where(
            (Community.commune == commune_id) & Community.id.is_in(targets or [0]))
        if not targets or len(known) != len(targets):
            raise DomainError("Choisissez des quartiers de votre commune (ou tous).", "invalid_communities")
    async with write_transaction():
        rows = await GazettePost.insert(GazettePost(
            community=None, commune=commune_id, author=principal.user_id, kind=MAIRIE, expires_at=expires,
            all_communities=data.community_ids is None, search_text=fold(values["title"], values["body"]), **values,
        )).returning(GazettePost.id)
        post_id = rows[0]["id"]
        if targets:
            await GazettePostCommunity.insert(*[GazettePostCommunity(post=post_id, community=c) for c in targets])
        await delivery.add_outbox(MAIRIE_KIND, post_id)
        await audit_post(principal.user_id, "communicate", {"id": post_id, "title": values["title"], "community": None,
                                                            "commune": commune_id}, communities=targets or "all")
    return await post_out(principal, post_id)


async def audit_post(actor: int, action: str, row: dict[str, Any], reason: str = "", **details: Any) -> None:
    """One entry `gazette.<action>` on `gazette_post:<id>` in the platform's audit log (call it
    inside the transaction of the action: both commit or neither)."""
    await audit.record(actor, f"gazette.{action}", f"gazette_post:{row['id']}",
                       {"title": row["title"], "community_id": row["community"], "reason": reason, **details},
                       commune_id=row["commune"])


# Who may see and do what -------------------------------------------------------------------------

async def load(post_id: int) -> dict[str, Any]:
    row = await GazettePost.select(*COLUMNS).where(GazettePost.id == post_id).first()
    if row is None:
        raise NotFound("Cette publication n'existe pas (ou plus).", "post_not_found")
    return row


async def mairie_targets(post_ids: Sequence[int]) -> dict[int, list[int]]:
    """The chosen communities of mairie communications (absent: all of the commune)."""
    if not post_ids:
        return {}
    rows = await GazettePostCommunity.select(GazettePostCommunity.post, GazettePostCommunity.community).where(
        GazettePostCommunity.post.is_in(list(post_ids))).order_by(GazettePostCommunity.community)
    out: dict[int, list[int]] = {}
    for r in rows:
        out.setdefault(r["post"], []).append(r["community"])
    return out


def reader_communities(principal: Principal, row: dict[str, Any], targets: list[int] | None) -> list[int]:
    """The communities through which this person, as an active member, sees the post."""
    if row["kind"] != MAIRIE:
        return [row["community"]] if principal.is_active_member(row["community"]) else []
    return [m.community_id for m in principal.memberships
            if m.status == "active" and m.commune_id == row["commune"]
            and (row["all_communities"] or m.community_id in (targets or []))]


def is_platform(principal: Principal) -> bool:
    return principal.is_moderator or principal.is_admin


def can_view(principal: Principal, row: dict[str, Any], targets: list[int] | None) -> bool:
    return (is_platform(principal) or principal.is_staff_of(row["commune"])
            or bool(reader_communities(principal, row, targets)))


def can_moderate_locally(principal: Principal, row: dict[str, Any]) -> bool:
    """Referents pin and remove members' posts of their community (not mairie communications)."""
    return row["kind"] != MAIRIE and principal.is_referent(row["community"])


async def visible(principal: Principal, post_id: int, *, published: bool = False) -> dict[str, Any]:
    """The post if this person may read it: 403 for another community, 404 once removed
    (except for its author and moderators), 409 with `published` for actions on a removed post."""
    row = await load(post_id)
    targets = (await mairie_targets([post_id])).get(post_id) if row["kind"] == MAIRIE else None
    if not can_view(principal, row, targets):
        raise Forbidden("Cette publication concerne un autre quartier.", "post_forbidden")
    if row["status"] != "published":
        if not (is_platform(principal) or row["author"] == principal.user_id):
            raise NotFound("Cette publication a été retirée.", "post_removed")
        if published:
            raise DomainError("Cette publication a été retirée.", "post_removed", 409)
    row["targets"] = targets
    return row


def permissions(principal: Principal, row: dict[str, Any]) -> Permissions:
    author = row["author"] == principal.user_id
    member = bool(reader_communities(principal, row, row.get("targets")))
    live = row["status"] == "published"
    return Permissions(
        delete=author,
        pin=live and can_moderate_locally(principal, row),
        remove=live and (can_moderate_locally(principal, row) or is_platform(principal)),
        report=live and member and not author,
        comment=live and (member or principal.is_staff_of(row["commune"])),
    )


# Shaping a page of posts (constant number of queries) --------------------------------------------

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


# Reading ---------------------------------------------------------------------------------------

def _in_community(community_id: int, commune_id: int) -> Any:
    chosen = GazettePostCommunity.select(GazettePostCommunity.post).where(
        GazettePostCommunity.community == community_id)
    return (GazettePost.community == community_id) | (
        (GazettePost.kind == MAIRIE) & (GazettePost.commune == commune_id)
        & ((GazettePost.all_communities == True) | GazettePost.id.is_in(chosen)))  # noqa: E712


async def list_posts(principal: Principal, community_id: int, *, kind: str | None = None, q: str = "",
                     before: int | None = None, limit: int = 20, include_expired: bool = False) -> PostPage:
    """The community's Gazette: pinned posts first (first page only), then the others newest first.

    Pinned: a referent's pin, or a mairie communication before it expires. Expired annonces
    leave the list unless `include_expired`. `q` keeps posts containing every word of it.
    """
    commune_id = await communities.commune_of_community(community_id)
    if commune_id is None:
        raise NotFound("Ce quartier n'existe pas.", "community_not_found")
    if kind and kind not in KINDS:
        raise DomainError("Type de publication inconnu.", "invalid_kind")
    now = clock.now()
    limit = max(1, min(limit, PAGE_MAX))
    where = [_in_community(community_id, commune_id), GazettePost.status == "published"]
    if kind:
        where.append(GazettePost.kind == kind)
    if not include_expired:
        where.append((GazettePost.kind != "classified") | (GazettePost.expires_at > now))
    for word in query_words(q):
        where.append(GazettePost.search_text.like(f"%{word}%"))
    pinned_now = GazettePost.pinned_at.is_not_null() | ((GazettePost.kind == MAIRIE) & (GazettePost.expires_at > now))
    not_pinned = GazettePost.pinned_at.is_null() & ((GazettePost.kind != MAIRIE) | (GazettePost.expires_at <= now))
    pinned: list[dict[str, Any]] = []
    if before is None:
        pinned = await GazettePost.select(*COLUMNS).where(*where, pinned_now).order_by(
            GazettePost.id, ascending=False).limit(PINNED_MAX)
    query = GazettePost.select(*COLUMNS).where(*where, not_pinned)
    if before is not None:
        query = query.where(GazettePost.id < before)
    rows = await query.order_by(GazettePost.id, ascending=False).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    shaped = await shape(principal, pinned + rows)
    return PostPage(pinned=shaped[:len(pinned)], items=shaped[len(pinned):],
                    next_before=rows[-1]["id"] if more else None, generated_at=now.isoformat())


async def get_post(principal: Principal, post_id: int) -> PostDetail:
    """One post with its comments (one answer, so an opened post reads offline)."""
    row = await visible(principal, post_id)
    [post] = await shape(principal, [row], detail=True)
    rows = await GazetteComment.select(
        GazetteComment.all_columns(), GazetteComment.author.first_name, GazetteComment.author.last_name,
    ).where(GazetteComment.post == post_id).order_by(GazetteComment.id).limit(COMMENTS_MAX)
    may_moderate = is_platform(principal) or can_moderate_locally(principal, row)
    comments = [comment_out(c, principal, may_moderate) for c in rows]
    return PostDetail(**{f: getattr(post, f) for f in post.__struct_fields__}, comments=comments)


def comment_out(c: dict[str, Any], principal: Principal, may_moderate: bool) -> CommentOut:
    return CommentOut(id=c["id"], post_id=c["post"], author=person(c["author"], c["author.first_name"],
                                                                   c["author.last_name"]),
                      body=c["body"], created_at=iso(c["created_at"]) or "",
                      can_delete=may_moderate or c["author"] == principal.user_id)


async def commune_communications(principal: Principal, commune_id: int) -> list[PostOut]:
    """The commune's mairie communications, newest first (the mairie's own list, removed ones too)."""
    rows = await GazettePost.select(*COLUMNS).where(
        (GazettePost.commune == commune_id) & (GazettePost.kind == MAIRIE)).order_by(
        GazettePost.id, ascending=False).limit(200)
    return await shape(principal, rows)


# Deleting (the author) -------------------------------------------------------------------------

CHILD_TABLES = (GazettePhoto, GazetteComment, GazetteRsvp, GazetteRideRequest, GazetteReport, GazettePostCommunity)


async def delete_post(media_root: Path, principal: Principal, post_id: int) -> dict[str, Any]:
    """The author deletes their post for good, with its photos, comments and answers."""
    row = await visible(principal, post_id)
    if row["author"] != principal.user_id:
        raise Forbidden("Seul l'auteur peut supprimer sa publication.", "not_author")
    names = [p["file_name"] for p in await GazettePhoto.select(GazettePhoto.file_name).where(GazettePhoto.post == post_id)]
    async with write_transaction():
        for table in CHILD_TABLES:
            await table.delete().where(table.post == post_id)
        await GazettePost.delete().where(GazettePost.id == post_id)
    photo_files.remove_files(media_root, names)
    return row


def audience_of(row: dict[str, Any]) -> tuple[int | None, int | None, Iterable[int]]:
    """(community, commune, chosen communities) a live event about this post goes to."""
    if row["kind"] != MAIRIE:
        return row["community"], None, ()
    if row["all_communities"]:
        return None, row["commune"], ()
    return None, None, row.get("targets") or ()
