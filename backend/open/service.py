"""The public figures: where Vigie communities exist (by département and commune) and « Vigie en chiffres ».

Counts only, never a person's name; members are rounded and never shown fewer than 5. Both answers
are built in a handful of grouped queries and kept in Valkey for `open_cache_seconds`, so a page
seen by many costs the database one build per period and per API fleet.
"""

from __future__ import annotations

import logging
import math
from urllib.parse import quote
from collections import defaultdict
from datetime import datetime
from typing import Awaitable, Callable, TypeVar

import msgspec
import valkey.asyncio as avalkey
from piccolo.query.functions.aggregate import Count
from valkey.exceptions import ValkeyError

from backend.alerts.tables import Alert
from backend.checkins.tables import CheckinRound
from backend.communities.official import departement_names
from backend.communities.perimeter import split_codes
from backend.communities.tables import COUNTRIES, Commune, Community, MairieStaff
from backend.gazette.tables import GazettePost, GazetteRideRequest
from backend.lib import clock
from backend.lib.french import PARIS
from backend.open.schemas import CategoryCount, OpenCommune, OpenDepartement, OpenMap, OpenStats

log = logging.getLogger(__name__)
T = TypeVar("T", OpenMap, OpenStats)

# The map of départements shipped in pwa/map/ (see its LICENCE.md) is a Mercator projection, fitted on
# France's extremes: Ouessant (west), Bray-Dunes (north), Corsica (east, south).
_WEST, _NORTH = -5.1418, 51.089
_X0, _Y0, _SCALE_X, _SCALE_Y = 0.154, 0.332, 41.626, 41.246


def _mercator(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def map_point(lat: float, lon: float) -> tuple[float, float] | None:
    """Where a place of metropolitan France sits on the département map (viewBox 0 0 613 585); None elsewhere."""
    if not (41.0 <= lat <= 51.5 and -5.5 <= lon <= 10.0):
        return None
    x = _X0 + (lon - _WEST) * _SCALE_X
    y = _Y0 + (_mercator(_NORTH) - _mercator(lat)) * _SCALE_Y
    return round(x, 1), round(y, 1)


def rounded_count(n: int) -> tuple[int, bool]:
    """A count fit to show anyone: (rounded, below 5). To the nearest 5 under 100, 10 under 1,000, 100 beyond;
    never fewer than 5, so nobody counts the two or three people of a small neighbourhood."""
    step = 5 if n < 100 else 10 if n < 1000 else 100
    return max(5, int(round(n / step)) * step), n < 5


async def _members_by_commune() -> dict[int, int]:
    rows = await Commune.raw(
        'SELECT k.commune AS commune, COUNT(DISTINCT m."user") AS n FROM memberships m '
        "JOIN communities k ON k.id = m.community WHERE m.status = 'active' GROUP BY k.commune")
    return {r["commune"]: int(r["n"]) for r in rows}


async def _mairie_communes() -> dict[int, str | None]:
    """Communes whose mairie takes part — joined (`mairie_joined_at`, an approved application) or with staff
    on Vigie — each with the day it joined (ISO date, Paris time; None for staff appointed without joining)."""
    staffed = {r["commune"] for r in await MairieStaff.select(MairieStaff.commune).distinct()}
    joined = {r["id"]: r["mairie_joined_at"].astimezone(PARIS).date().isoformat()
              for r in await Commune.select(Commune.id, Commune.mairie_joined_at).where(
                  Commune.mairie_joined_at.is_not_null())}
    return {**dict.fromkeys(staffed), **joined}


async def build_map() -> OpenMap:
    """Every commune with at least one community, its counts and point, and the départements that have one."""
    communities = await Community.select(Community.commune, Community.center_lat, Community.center_lon)
    by_commune: dict[int, list[dict]] = defaultdict(list)
    for c in communities:
        by_commune[c["commune"]].append(c)
    communes = await Commune.select(Commune.id, Commune.insee_code, Commune.name, Commune.departement,
                                    Commune.postal_codes, Commune.country).where(Commune.id.is_in(list(by_commune) or [0]))
    members = await _members_by_commune()
    mairies = await _mairie_communes()
    out: list[OpenCommune] = []
    for c in communes:
        placed = [(k["center_lat"], k["center_lon"]) for k in by_commune[c["id"]]
                  if (k["center_lat"], k["center_lon"]) != (0.0, 0.0)]
        point = map_point(sum(p[0] for p in placed) / len(placed), sum(p[1] for p in placed) / len(placed)) \
            if placed and c["country"] == "FR" else None  # the map is France's départements
        shown, few = rounded_count(members.get(c["id"], 0))
        out.append(OpenCommune(
            insee_code=c["insee_code"], name=c["name"], departement=c["departement"],
            postal_codes=split_codes(c["postal_codes"]), communities=len(by_commune[c["id"]]), members=shown,
            members_fewer_than_5=few, mairie=c["id"] in mairies,
            mairie_joined_on=mairies.get(c["id"]), x=point[0] if point else None,
            y=point[1] if point else None, signup_path="#/inscription?commune=" + quote(c["name"]),
            country=c["country"], country_name=COUNTRIES.get(c["country"], ""),
        ))
    out.sort(key=lambda o: (o.country != "FR", o.departement, o.name))  # France first, then Belgium
    names = departement_names()
    departements: dict[str, OpenDepartement] = {}
    for o in out:
        d = departements.setdefault(o.departement, OpenDepartement(
            code=o.departement, name=names.get(o.departement, o.departement), communes=0, communities=0))
        d.communes += 1
        d.communities += o.communities
    return OpenMap(departements=list(departements.values()), communes=out, generated_at=clock.now().isoformat())


def month_start(now: datetime) -> datetime:
    """The first instant of the current month in Paris time (as the figures count months)."""
    return now.astimezone(PARIS).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def build_stats() -> OpenStats:
    """The network's figures; this month's activity counts from the 1st, Paris time."""
    now = clock.now()
    start = month_start(now)
    members_row = await Commune.raw(
        "SELECT COUNT(DISTINCT m.\"user\") AS n FROM memberships m WHERE m.status = 'active'")
    members, few = rounded_count(int(members_row[0]["n"]))
    communities = await Community.count()
    communes = len({r["commune"] for r in await Community.select(Community.commune).distinct()})
    alerts = await Alert.select(Alert.category, Count(Alert.id, alias="n")).where(
        (Alert.created_at >= start) & Alert.moderation.not_in(["hidden", "removed"])
    ).group_by(Alert.category)
    by_category = sorted((CategoryCount(category=r["category"], count=int(r["n"])) for r in alerts),
                         key=lambda c: (-c.count, c.category))
    return OpenStats(
        members=members, members_fewer_than_5=few, communities=communities, communes=communes,
        mairies=len(await _mairie_communes()), month=start.strftime("%Y-%m"),
        alerts_by_category=by_category, alerts_this_month=sum(c.count for c in by_category),
        checkins_answered=await CheckinRound.count().where(CheckinRound.checked_in_at >= start),
        checkins_visits=await CheckinRound.count().where(CheckinRound.going_at >= start),
        carpools_offered=await GazettePost.count().where(
            (GazettePost.kind == "carpool") & (GazettePost.status == "published") & (GazettePost.created_at >= start)),
        carpool_seats=await GazetteRideRequest.count().where(
            (GazetteRideRequest.status == "accepted") & (GazetteRideRequest.answered_at >= start)),
        generated_at=now.isoformat(),
    )


async def cached(client: avalkey.Valkey, key: str, seconds: int, kind: type[T], build: Callable[[], Awaitable[T]]) -> T:
    """`build()`'s answer, kept in Valkey for `seconds` (shared by every API instance); built afresh, uncached,
    when Valkey is unreachable."""
    try:
        raw = await client.get(key)
    except (ValkeyError, OSError) as exc:
        log.warning("open pages: cache %s not read, Valkey unavailable: %s", key, exc)
        return await build()
    if raw is not None:
        return msgspec.json.decode(raw, type=kind)
    value = await build()
    try:
        await client.set(key, msgspec.json.encode(value), ex=seconds)
    except (ValkeyError, OSError):
        pass
    return value
