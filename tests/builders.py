"""Test data builders (piccolo's ModelBuilder habit, written small): a standard cast of people."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.demo import make_commune, make_community, make_user
from backend.verification.service import create_letter
from backend.alerts.tables import Alert
from backend.communities.tables import Membership


@dataclass
class World:
    commune: int
    other_commune: int
    community: int  # where most action happens
    sibling: int  # another community of the same commune
    foreign: int  # a community of the other commune
    users: dict[str, int] = field(default_factory=dict)
    alert: int = 0  # posted by "member" in `community`, flagged for the mairie

    def email(self, role: str) -> str:
        return f"{role}@test.vigie.fr"


ROLES = ["unverified", "other_member", "member", "referent", "other_staff", "staff", "moderator", "admin"]


async def build_world(password_hash: str) -> World:
    """Two communes; three communities; one person per role of the guard matrix."""
    commune = await make_commune("Bellerive-sur-Loire", "45999", "45100")
    other_commune = await make_commune("Montval", "45998", "45200")
    community = await make_community(commune, "Les Tilleuls")
    sibling = await make_community(commune, "Centre-Bourg")
    foreign = await make_community(other_commune, "Les Hauts de Montval")
    w = World(commune, other_commune, community, sibling, foreign)
    specs = {
        "unverified": dict(community_id=community, status="pending"),
        "other_member": dict(community_id=sibling),
        "member": dict(community_id=community),
        "referent": dict(community_id=community, role="referent"),
        "other_staff": dict(staff_of=other_commune),
        "staff": dict(staff_of=commune),
        "moderator": dict(is_moderator=True),
        "admin": dict(is_admin=True),
    }
    for i, (role, spec) in enumerate(specs.items()):
        w.users[role] = await make_user(w.email(role), role.capitalize(), "Test", password_hash=password_hash,
                                        phone=f"+3361100{i:04d}", **spec)
    membership = await Membership.select(Membership.id).where(Membership.user == w.users["unverified"]).first()
    await create_letter(w.users["unverified"], membership["id"], "Les Tilleuls")
    alert = await Alert.insert(Alert(community=community, author=w.users["member"], category="suspicious_vehicle",
                                     title="Camionnette blanche", body="Elle tourne dans la rue depuis une heure.",
                                     notify_mairie=True)).returning(Alert.id)
    w.alert = alert[0]["id"]
    return w


async def add_members(password_hash: str, community: int, count: int, prefix: str = "voisin") -> list[int]:
    """`count` active members of `community` (emails prefix1@test.vigie.fr…)."""
    return [
        await make_user(f"{prefix}{i}@test.vigie.fr", f"{prefix.capitalize()}{i}", "Test", password_hash=password_hash,
                        phone=f"+336{22000000 + i}", community_id=community)
        for i in range(count)
    ]
