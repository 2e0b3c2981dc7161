"""Demo data (`vigie demo`) and the builders tests reuse to make people and places quickly."""

from __future__ import annotations

from backend.auth.passwords import hash_password
from backend.auth.tables import User
from backend.communities.tables import Commune, Community, MairieStaff, Membership, MembershipStatus
from backend.lib import clock
from backend.lib.phones import is_sms_capable
from backend.lib.text import sort_name
from backend.verification.service import create_letter

DEMO_PASSWORD = "vigie-demo-2026"


async def make_commune(name: str = "Bellerive-sur-Loire", insee_code: str = "45999",
                       postal_codes: str = "45100", police_email: str = "", country: str = "FR",
                       departement: str | None = None) -> int:
    if departement is None:  # as INSEE codes read; a Belgian province is given (« NAM »)
        departement = "" if country != "FR" else insee_code[:3] if insee_code.startswith("97") else insee_code[:2]
    rows = await Commune.insert(Commune(name=name, insee_code=insee_code, postal_codes=postal_codes, country=country,
                                        departement=departement, police_email=police_email)).returning(Commune.id)
    return rows[0]["id"]


async def make_community(commune_id: int, name: str, lat: float = 47.9, lon: float = 1.9, radius_m: int = 600) -> int:
    rows = await Community.insert(Community(commune=commune_id, name=name, center_lat=lat, center_lon=lon,
                                            radius_m=radius_m)).returning(Community.id)
    return rows[0]["id"]


async def make_user(email: str, first_name: str, last_name: str, *, password_hash: str, phone: str = "+33600000000",
                    community_id: int | None = None, status: str = MembershipStatus.ACTIVE, role: str = "member",
                    is_moderator: bool = False, is_admin: bool = False, staff_of: int | None = None,
                    address_line1: str = "12 rue des Tilleuls", postal_code: str = "45100",
                    city: str = "Bellerive-sur-Loire") -> int:
    rows = await User.insert(User(
        email=email, first_name=first_name, last_name=last_name, sort_name=sort_name(first_name, last_name),
        phone=phone, phone_mobile=is_sms_capable(phone),
        password_hash=password_hash,
        address_line1=address_line1, postal_code=postal_code, city=city, country="FR",
        is_moderator=is_moderator, is_admin=is_admin, address_verified=status == MembershipStatus.ACTIVE,
    )).returning(User.id)
    user_id = rows[0]["id"]
    if community_id is not None:
        await Membership.insert(Membership(user=user_id, community=community_id, status=status, role=role,
                                           activated_at=clock.now() if status == MembershipStatus.ACTIVE else None))
    if staff_of is not None:
        await MairieStaff.insert(MairieStaff(user=user_id, commune=staff_of))
    return user_id


DEMO_ACCOUNTS = [
    # email, first, last, role description, kwargs
    ("marie.dupont@demo.vigie.fr", "Marie", "Dupont", "habitante vérifiée (Les Tilleuls)", {"community": 0}),
    ("jeanne.leroy@demo.vigie.fr", "Jeanne", "Leroy", "référente (Les Tilleuls)", {"community": 0, "role": "referent"}),
    ("ahmed.benali@demo.vigie.fr", "Ahmed", "Benali", "habitant vérifié (Centre-Bourg)", {"community": 1}),
    ("paul.martin@demo.vigie.fr", "Paul", "Martin", "inscrit, en attente du courrier", {"community": 0, "status": "pending"}),
    ("mairie@demo.vigie.fr", "Sophie", "Garnier", "agente de la mairie", {"staff": True}),
    ("moderation@demo.vigie.fr", "Luc", "Moreau", "modérateur", {"is_moderator": True}),
    ("admin@demo.vigie.fr", "Claire", "Fontaine", "administratrice", {"is_admin": True}),
]


async def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo commune, two communities and one account per role; return (email, password, role)."""
    commune = await make_commune()
    communities = [await make_community(commune, "Les Tilleuls"), await make_community(commune, "Centre-Bourg", 47.91, 1.91)]
    # Les Tilleuls covers listed streets (every demo account lives 12 rue des Tilleuls); Centre-Bourg the whole commune.
    await Community.update({Community.perimeter_streets: "Rue des Tilleuls\nAllée des Acacias\nImpasse du Moulin"}).where(
        Community.id == communities[0])
    password_hash = await hash_password(DEMO_PASSWORD)
    out = []
    for i, (email, first, last, label, opts) in enumerate(DEMO_ACCOUNTS):
        community = communities[opts["community"]] if "community" in opts else None
        await make_user(email, first, last, password_hash=password_hash, phone=f"+3361234{5600 + i:04d}",
                        community_id=community, status=opts.get("status", "active"), role=opts.get("role", "member"),
                        is_moderator=opts.get("is_moderator", False), is_admin=opts.get("is_admin", False),
                        staff_of=commune if opts.get("staff") else None)
        if opts.get("status") == "pending":
            membership = await Membership.select(Membership.id).where(Membership.community == community).where(
                Membership.user.email == email).first()
            await create_letter(membership["id"] and (await User.select(User.id).where(User.email == email).first())["id"],
                                membership["id"], "Les Tilleuls")
        out.append((email, DEMO_PASSWORD, label))
    return out


DEMO_DOMAIN = "@demo.vigie.fr"


async def demo_accounts() -> list[str]:
    """E-mails of the demo accounts in the database (their password is in the README)."""
    rows = await User.select(User.email).where(User.email.like(f"%{DEMO_DOMAIN}")).order_by(User.id)
    return [r["email"] for r in rows]


async def database_is_empty() -> bool:
    return await User.count() == 0
