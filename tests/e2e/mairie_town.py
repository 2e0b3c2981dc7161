"""A commune for the mairie screens: two communities, their residents, the mairie's staff, a
referent and an admin (import `fx_town` into a test module to use it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences
from backend.demo import make_commune, make_community, make_user
from backend.settings import Settings

SHOTS = "/tmp/vigie-screens"


@dataclass
class Town:
    commune: int
    tilleuls: int
    bourg: int
    users: dict[str, int] = field(default_factory=dict)

    STAFF = "mairie@test.vigie.fr"
    ODETTE = "odette@test.vigie.fr"
    ALICE = "alice@test.vigie.fr"
    BERNARD = "bernard@test.vigie.fr"
    REFERENT = "referente@test.vigie.fr"
    ADMIN = "admin@test.vigie.fr"


@pytest.fixture
async def fx_town(fx_settings: Settings, fx_password_hash: str) -> Town:
    """Bellerive-sur-Loire: Les Tilleuls (Odette, Alice who wants SMS, Jeanne the referent) and
    Centre-Bourg (Bernard); Sophie Garnier of the mairie; Claire Fontaine, admin."""
    commune = await make_commune()
    town = Town(commune, await make_community(commune, "Les Tilleuls"), await make_community(commune, "Centre-Bourg"))
    people = [
        ("staff", Town.STAFF, "Sophie", "Garnier", dict(staff_of=commune)),
        ("odette", Town.ODETTE, "Odette", "Lambert", dict(community_id=town.tilleuls)),
        ("alice", Town.ALICE, "Alice", "Martin", dict(community_id=town.tilleuls)),
        ("referent", Town.REFERENT, "Jeanne", "Leroy", dict(community_id=town.tilleuls, role="referent")),
        ("bernard", Town.BERNARD, "Bernard", "Petit", dict(community_id=town.bourg)),
        ("admin", Town.ADMIN, "Claire", "Fontaine", dict(is_admin=True)),
    ]
    for i, (key, email, first, last, spec) in enumerate(people):
        town.users[key] = await make_user(email, first, last, password_hash=fx_password_hash,
                                          phone=f"+3361200{i:04d}", **spec)
    await delivery.set_preferences(town.users["alice"], Preferences(sms=True))
    return town
