"""Communes, communities, memberships and staff appointments."""

from __future__ import annotations

import re
from datetime import datetime

from backend.audit import service as audit
from backend.auth.tables import User
from backend.communities.schemas import (
    CommuneCreate,
    CommuneHit,
    CommuneOut,
    CommunityCreate,
    CommunityHit,
    CommunityOut,
    PerimeterIn,
)
from backend.communities import official
from backend.communities.perimeter import clean_perimeter, perimeter_of, split_streets
from backend.communities.tables import COUNTRIES, Commune, Community, MairieStaff, Membership, MembershipStatus
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound

_commune_of: dict[int, int] = {}


def _codes(raw: str) -> list[str]:
    return [c for c in raw.split(",") if c]


async def commune_of_community(community_id: int) -> int | None:
    """The commune a community belongs to (cached: it never changes)."""
    if community_id not in _commune_of:
        row = await Community.select(Community.commune).where(Community.id == community_id).first()
        if row is None:
            return None
        _commune_of[community_id] = row["commune"]
    return _commune_of[community_id]


async def search_communes(q: str, limit: int = 20, country: str | None = None) -> list[CommuneHit]:
    """Communes by postal code or INSEE/NIS code prefix (digits) or name fragment, of one country or both:
    name, codes, country, nothing else."""
    q = q.strip()
    country = official.check_country(country)
    if len(q) < 2:
        raise DomainError("Tapez au moins 2 caractères (code postal ou nom de commune).", "query_too_short")
    if len(q) > 100:
        raise DomainError("Recherche trop longue (100 caractères au plus).", "query_too_long")
    query = Commune.select(Commune.id, Commune.insee_code, Commune.name, Commune.postal_codes,
                           Commune.country).order_by(Commune.name).limit(limit)
    if country is not None:
        query = query.where(Commune.country == country)
    if q.isdigit():
        query = query.where(Commune.postal_codes.like(f"{q}%") | Commune.postal_codes.like(f"%,{q}%")
                            | Commune.insee_code.like(f"{q}%"))
    else:
        query = query.where(Commune.name.ilike(f"%{q}%"))
    return [CommuneHit(id=r["id"], insee_code=r["insee_code"], name=r["name"], postal_codes=_codes(r["postal_codes"]),
                       country=r["country"], country_name=COUNTRIES.get(r["country"], "")) for r in await query]


async def mark_mairie_joined(commune_id: int, when: datetime) -> datetime:
    """Mark the commune's mairie as taking part since `when` (kept if it already joined); the date it joined."""
    row = await Commune.select(Commune.mairie_joined_at).where(Commune.id == commune_id).first()
    if row is None:
        raise NotFound("Cette commune n'existe pas.", "commune_not_found")
    if row["mairie_joined_at"] is not None:
        return row["mairie_joined_at"]
    await Commune.update({Commune.mairie_joined_at: when}).where(Commune.id == commune_id)
    return when


async def search_communities(q: str, limit: int = 20, country: str | None = None) -> list[CommunityHit]:
    """Communities whose commune matches a postal code prefix or a name fragment, in one country or both
    (sign-up asks in the address's country: Belgian « 5000 » is Namur, not French 50000 Saint-Lô)."""
    q = q.strip()
    country = official.check_country(country)
    if len(q) < 2:
        raise DomainError("Tapez au moins 2 caractères (code postal ou nom de commune).", "query_too_short")
    cols = (Community.id, Community.name, Community.commune.id, Community.commune.name, Community.commune.postal_codes,
            Community.perimeter_streets, Community.perimeter_postal_codes, Community.commune.country)
    query = Community.select(*cols).order_by(Community.commune.name).order_by(Community.name).limit(limit)
    if country is not None:
        query = query.where(Community.commune.country == country)
    if q.isdigit():
        query = query.where(
            (Community.commune.postal_codes.like(f"{q}%")) | (Community.commune.postal_codes.like(f"%,{q}%"))
        )
    else:
        query = query.where(
            Community.commune.name.ilike(f"%{q}%") | Community.name.ilike(f"%{q}%")
        )
    rows = await query
    return [
        CommunityHit(
            id=r["id"], name=r["name"], commune_id=r["commune.id"], commune_name=r["commune.name"],
            postal_codes=_codes(r["commune.postal_codes"]), streets=split_streets(r["perimeter_streets"]),
            perimeter_postal_codes=_codes(r["perimeter_postal_codes"]), country=r["commune.country"],
            country_name=COUNTRIES.get(r["commune.country"], ""),
        )
        for r in rows
    ]


async def get_community(community_id: int) -> CommunityOut:
    row = await Community.select(
        Community.all_columns(), Community.commune.name, Community.commune.postal_codes
    ).where(Community.id == community_id).first()
    if row is None:
        raise NotFound("Ce quartier n'existe pas.", "community_not_found")
    count = await Membership.count().where(
        (Membership.community == community_id) & (Membership.status == MembershipStatus.ACTIVE)
    )
    return CommunityOut(
        id=row["id"], name=row["name"], commune_id=row["commune"], commune_name=row["commune.name"],
        center_lat=row["center_lat"], center_lon=row["center_lon"], radius_m=row["radius_m"], member_count=count,
        streets=split_streets(row["perimeter_streets"]), perimeter_postal_codes=_codes(row["perimeter_postal_codes"]),
        commune_postal_codes=_codes(row["commune.postal_codes"]),
    )


async def require_community(community_id: int) -> dict:
    """id, name, commune and `commune.country` of the community, or a 404 in French."""
    row = await Community.select(Community.id, Community.name, Community.commune, Community.commune.country).where(
        Community.id == community_id
    ).first()
    if row is None:
        raise NotFound("Ce quartier n'existe pas.", "community_not_found")
    return row


async def create_commune(data: CommuneCreate) -> CommuneOut:
    """Open a commune of its country's official list on Vigie (admin): name, postal codes, département or
    province and population come from the list (`vigie communes import`), never typed by hand; a code unknown
    in that country's list is refused. A French and a Belgian commune with the same code are two communes."""
    found = await official.official_commune(data.insee_code, data.country)
    if await Commune.exists().where((Commune.country == found.country) & (Commune.insee_code == found.insee_code)):
        raise Conflict("Cette commune existe déjà.", "commune_exists")
    commune = Commune(country=found.country, insee_code=found.insee_code, name=found.name,
                      postal_codes=",".join(found.postal_codes), departement=found.departement,
                      population=found.population, police_email=data.police_email.strip())
    await commune.save()
    return CommuneOut(id=commune.id, insee_code=found.insee_code, name=found.name, postal_codes=found.postal_codes,
                      police_email=commune.police_email, communities=[], departement=found.departement,
                      population=found.population, country=found.country, country_name=found.country_name)


async def list_communes(commune_ids: list[int] | None) -> list[CommuneOut]:
    """All communes (None) or only those listed, each with its communities."""
    query = Commune.select().order_by(Commune.name)
    if commune_ids is not None:
        if not commune_ids:
            return []
        query = query.where(Commune.id.is_in(commune_ids))
    communes = await query
    ids = [c["id"] for c in communes]
    comms = await Community.select(Community.id, Community.name, Community.commune).where(
        Community.commune.is_in(ids or [0])
    ).order_by(Community.name)
    out = []
    for c in communes:
        codes = _codes(c["postal_codes"])
        out.append(CommuneOut(
            id=c["id"], insee_code=c["insee_code"], name=c["name"], postal_codes=codes, police_email=c["police_email"],
            departement=c["departement"], population=c["population"],
            mairie_joined_at=c["mairie_joined_at"].isoformat() if c["mairie_joined_at"] else None,
            country=c["country"], country_name=COUNTRIES.get(c["country"], ""),
            communities=[CommunityHit(id=k["id"], name=k["name"], commune_id=c["id"], commune_name=c["name"], postal_codes=codes)
                         for k in comms if k["commune"] == c["id"]],
        ))
    return out


async def create_community(commune_id: int, data: CommunityCreate) -> CommunityOut:
    """Create a neighbourhood in a commune (mairie staff of that commune, or admin)."""
    commune = await Commune.select(Commune.id, Commune.name).where(Commune.id == commune_id).first()
    if commune is None:
        raise NotFound("Cette commune n'existe pas.", "commune_not_found")
    name = data.name.strip()
    if not name:
        raise DomainError("Le nom du quartier est obligatoire.", "missing_name")
    if not (-90 <= data.center_lat <= 90 and -180 <= data.center_lon <= 180):
        raise DomainError("Coordonnées du centre invalides.", "invalid_coordinates")
    if not 50 <= data.radius_m <= 20000:
        raise DomainError("Le rayon doit être compris entre 50 m et 20 km.", "invalid_radius")
    community = Community(commune=commune_id, name=name, center_lat=data.center_lat,
                          center_lon=data.center_lon, radius_m=data.radius_m)
    await community.save()
    return CommunityOut(id=community.id, name=name, commune_id=commune_id, commune_name=commune["name"],
                        center_lat=data.center_lat, center_lon=data.center_lon, radius_m=data.radius_m, member_count=0)


async def _require_user(user_id: int) -> None:
    if not await User.exists().where(User.id == user_id):
        raise NotFound("Cet utilisateur n'existe pas.", "user_not_found")


async def appoint_staff(commune_id: int, user_id: int, actor_id: int | None = None) -> None:
    """Make a user mairie staff of a commune (admin); audited."""
    if not await Commune.exists().where(Commune.id == commune_id):
        raise NotFound("Cette commune n'existe pas.", "commune_not_found")
    await _require_user(user_id)
    if not await MairieStaff.exists().where((MairieStaff.user == user_id) & (MairieStaff.commune == commune_id)):
        await MairieStaff.insert(MairieStaff(user=user_id, commune=commune_id))
        await audit.record(actor_id, "role.staff", f"user:{user_id}", {}, commune_id=commune_id)


async def appoint_referent(community_id: int, user_id: int, actor_id: int | None = None) -> None:
    """Make an active member a referent of their community; audited."""
    updated = await Membership.update({Membership.role: "referent"}).where(
        (Membership.community == community_id) & (Membership.user == user_id)
        & (Membership.status == MembershipStatus.ACTIVE)
    ).returning(Membership.id)
    if not updated:
        raise DomainError("Seul un membre vérifié du quartier peut devenir référent.", "not_a_member")
    await audit.record(actor_id, "role.referent", f"user:{user_id}", {"community": community_id},
                commune_id=await commune_of_community(community_id))


def street_of(address_line: str) -> str:
    """The street without the house number (members share the number only if they choose)."""
    return re.sub(r"^\s*\d+\s*(bis|ter|quater|[a-zA-Z])?\b[,\s]*", "", address_line).strip()


async def add_membership(user_id: int, community_id: int, active: bool) -> int:
    """Create a membership (pending, or active when the address is already verified); return its id."""
    now = clock.now()
    rows = await Membership.insert(Membership(
        user=user_id, community=community_id,
        status=MembershipStatus.ACTIVE if active else MembershipStatus.PENDING,
        activated_at=now if active else None,
    )).returning(Membership.id)
    return rows[0]["id"]


async def membership_id(user_id: int, community_id: int) -> int | None:
    row = await Membership.select(Membership.id).where(
        (Membership.user == user_id) & (Membership.community == community_id)
    ).first()
    return row["id"] if row else None


async def activate_membership(membership_id_: int) -> None:
    await Membership.update({Membership.status: MembershipStatus.ACTIVE, Membership.activated_at: clock.now()}).where(
        Membership.id == membership_id_
    )


async def memberships_of(user_id: int) -> list[dict]:
    return await Membership.select(
        Membership.community.id, Membership.community.name, Membership.community.commune.id,
        Membership.community.commune.name, Membership.status, Membership.role,
    ).where(Membership.user == user_id).order_by(Membership.created_at)


async def staff_communes_of(user_id: int) -> list[dict]:
    return await MairieStaff.select(MairieStaff.commune.id, MairieStaff.commune.name).where(
        MairieStaff.user == user_id
    )


async def ensure_not_member(user_id: int, community_id: int) -> None:
    if await membership_id(user_id, community_id) is not None:
        raise Conflict("Vous êtes déjà inscrit(e) dans ce quartier.", "already_member")


async def set_perimeter(community_id: int, data: PerimeterIn, actor_id: int | None = None) -> CommunityOut:
    """Replace a community's listed streets and postal codes (mairie staff or referents); audited.

    It decides who may join or be activated from now on; members already active stay.
    """
    perimeter = await perimeter_of(community_id)
    streets, codes = clean_perimeter(perimeter.commune_postal_codes, data.streets, data.postal_codes)
    await Community.update({Community.perimeter_streets: "\n".join(streets),
                            Community.perimeter_postal_codes: ",".join(codes)}).where(Community.id == community_id)
    await audit.record(actor_id, "community.perimeter", f"community:{community_id}",
                {"streets": len(streets), "postal_codes": codes}, commune_id=perimeter.commune_id)
    return await get_community(community_id)


async def membership_count(user_id: int) -> int:
    """Communities a person belongs to or waits to (active or pending)."""
    return await Membership.count().where(
        (Membership.user == user_id)
        & Membership.status.is_in([MembershipStatus.ACTIVE, MembershipStatus.PENDING])
    )


async def ensure_room(user_id: int, limit: int) -> None:
    """Refuse one more community beyond `limit` (active or pending memberships)."""
    if await membership_count(user_id) >= limit:
        raise Conflict(f"Vous faites déjà partie de {limit} quartiers, le maximum par personne.",
                       "too_many_communities")


async def activate_pending_inside(user_id: int, address_line1: str, postal_code: str, limit: int) -> list[int]:
    """After the address is verified: activate the pending memberships whose perimeter contains it
    (at most `limit` active in all); return the community ids activated."""
    rows = await Membership.select(Membership.id, Membership.community, Membership.status).where(
        Membership.user == user_id).order_by(Membership.created_at)
    active = sum(1 for r in rows if r["status"] == MembershipStatus.ACTIVE)
    done: list[int] = []
    for r in rows:
        if r["status"] != MembershipStatus.PENDING or active >= limit:
            continue
        if (await perimeter_of(r["community"])).refusal(address_line1, postal_code) is None:
            await activate_membership(r["id"])
            active += 1
            done.append(r["community"])
    return done


async def follow_new_address(user_id: int, address_line1: str, postal_code: str) -> tuple[list[int], list[int]]:
    """A member moved: memberships whose perimeter holds the new address wait for its letter
    (pending, role kept). Returns (community ids kept, membership ids outside: to end with `end_memberships`
    once their letters point elsewhere)."""
    rows = await Membership.select(Membership.id, Membership.community).where(Membership.user == user_id)
    kept, ended = [], []
    for r in rows:
        inside = (await perimeter_of(r["community"])).refusal(address_line1, postal_code) is None
        (kept if inside else ended).append(r)
    if kept:
        await Membership.update({Membership.status: MembershipStatus.PENDING, Membership.activated_at: None}).where(
            Membership.id.is_in([r["id"] for r in kept]))
    return [r["community"] for r in kept], [r["id"] for r in ended]


async def end_memberships(membership_ids: list[int]) -> None:
    """Remove memberships (a move away); their letters must have been moved off them first (cascade)."""
    if membership_ids:
        await Membership.delete().where(Membership.id.is_in(membership_ids))
