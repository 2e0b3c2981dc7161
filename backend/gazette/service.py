"""La Gazette: posting (members in their community, the mairie in its commune), reading a
community's Gazette (pins first, pages, kinds, expiry, search), one post with its comments,
and the author deleting a post. Who may see what lives in `access`, the answers' shape in `views`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any, Mapping

from backend.auth.principal import Principal
from backend.communities import service as communities
from backend.communities.tables import Community
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.gazette import photos as photo_files
from backend.gazette.access import (
    COLUMNS, KINDS, MAIRIE, MAIRIE_KIND, MEMBER_KINDS, audit_post, aware, can_moderate_locally, is_platform, visible,
)
from backend.gazette.carpools import RIDE_CANCEL_KIND, record_cancellation
from backend.gazette.limits import creation_limit
from backend.gazette.live import publish_post_event, row_of
from backend.gazette.schemas import CommunicationIn, PostDetail, PostIn, PostOut, PostPage
from backend.gazette.search import query_words
from backend.gazette.tables import (
    GazetteComment, GazettePhoto, GazettePost, GazettePostCommunity, GazetteReport, GazetteRideRequest, GazetteRsvp,
)
from backend.gazette.views import comment_out, post_out, shape
from backend.lib import clock
from backend.lib.errors import DomainError, Forbidden, NotFound
from backend.lib.storage import MediaStorage
from backend.mairie.broadcasts import gazette_broadcasts
from backend.lib.text import fold

CLASSIFIED_DAYS, CLASSIFIED_MAX_DAYS = 30, 90
MAX_PRICE_CENTS = 10_000_000
MAX_SEATS = 8
PAGE_MAX, PINNED_MAX, COMMENTS_MAX = 50, 20, 500


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

async def publish_post(res: Mapping[str, Any], principal: Principal, community_id: int, data: PostIn) -> PostOut:
    """A member posts in the app: within their hourly number of posts (`res`: `app.state`)."""
    limit = creation_limit(res, principal.user_id, "posts")
    await limit.check()
    created = await create_post(principal, community_id, data, res=res)
    await limit.count()
    return created


async def create_post(principal: Principal, community_id: int, data: PostIn, *,
                      res: Mapping[str, Any] | None = None) -> PostOut:
    """A member's post in their community (the guard checked the membership).
    With `res` (`app.state`), the live streams hear of it once committed."""
    values = validate_post(data, clock.now())
    community = await communities.require_community(community_id)
    async with write_transaction():
        rows = await GazettePost.insert(GazettePost(community=community_id, commune=community["commune"],
                                                    author=principal.user_id, **values)).returning(GazettePost.id)
        post = await post_out(principal, rows[0]["id"])
        if res is not None:
            on_commit(partial(publish_post_event, res, "gazette.post_created", row_of(post)))
    return post


async def create_communication(principal: Principal, commune_id: int, data: CommunicationIn, *,
                               res: Mapping[str, Any] | None = None) -> PostOut:
    """A mairie communication, with its outbox row in the same transaction (members are notified).

    With `res` (the process's resources: `app.state`), once committed the notice goes to the fan-out
    queue and `gazette.post_created` to the live streams."""
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
        post = await post_out(principal, post_id)
        if res is not None:
            on_commit(partial(delivery.dispatch, res["queues"], MAIRIE_KIND, post_id))
            on_commit(partial(publish_post_event, res, "gazette.post_created", row_of(post)))
    return post


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
    # The mairie's broadcasts sent « dans la Gazette » head the first page (not a filtered one).
    mairie = await gazette_broadcasts(community_id) if before is None and not kind and not q else []
    return PostPage(pinned=shaped[:len(pinned)], items=shaped[len(pinned):],
                    next_before=rows[-1]["id"] if more else None, generated_at=now.isoformat(), broadcasts=mairie)


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


async def commune_communications(principal: Principal, commune_id: int) -> list[PostOut]:
    """The commune's mairie communications, newest first (the mairie's own list, removed ones too)."""
    rows = await GazettePost.select(*COLUMNS).where(
        (GazettePost.commune == commune_id) & (GazettePost.kind == MAIRIE)).order_by(
        GazettePost.id, ascending=False).limit(200)
    return await shape(principal, rows)


# Deleting (the author) -------------------------------------------------------------------------

CHILD_TABLES = (GazettePhoto, GazetteComment, GazetteRsvp, GazetteRideRequest, GazetteReport, GazettePostCommunity)


async def delete_post(storage: MediaStorage, principal: Principal, post_id: int, *,
                      res: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], int | None]:
    """The author deletes their post for good, with its photos, comments and answers.

    A carpool not yet gone: its accepted and pending passengers are told it is cancelled (the
    id returned is the `RIDE_CANCEL_KIND` outbox reference, or None). With `res` (`app.state`),
    once committed that notice goes to the fan-out queue and `gazette.post_removed` to the live streams.
    """
    row = await visible(principal, post_id)
    if row["author"] != principal.user_id:
        raise Forbidden("Seul l'auteur peut supprimer sa publication.", "not_author")
    names = [p["file_name"] for p in await GazettePhoto.select(GazettePhoto.file_name).where(GazettePhoto.post == post_id)]
    async with write_transaction():
        cancellation = await record_cancellation(row)
        for table in CHILD_TABLES:
            await table.delete().where(table.post == post_id)
        await GazettePost.delete().where(GazettePost.id == post_id)
        if res is not None:
            if cancellation is not None:
                on_commit(partial(delivery.dispatch, res["queues"], RIDE_CANCEL_KIND, cancellation))
            on_commit(partial(publish_post_event, res, "gazette.post_removed", row))
    await photo_files.remove_all(storage, names)
    return row, cancellation
