"""The cast of the register tests: the guard matrix's world (two communes, staff of each), three
people to register, a volunteer who offered in the directory, and their push devices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.delivery import service as delivery
from backend.delivery.schemas import SubscriptionIn, SubscriptionKeys
from backend.demo import make_user
from backend.directory.schemas import ProfileIn
from backend.directory.profile import update_profile
from backend.register.episodes import run_episodes
from backend.register.tables import EpisodeCheck
from backend.register.volunteers import VOLUNTEER_SKILL
from tests.builders import World, build_world

PEOPLE = {  # key: (first name, last name, phone)
    "alice": ("Alice", "Arnaud", "+33650000001"),
    "bernard": ("Bernard", "Blanc", "+33650000002"),
    "colette": ("Colette", "Carré", "+33650000003"),
    "fille": ("Fanny", "Carré", "+33650000004"),  # Colette's daughter
    "benevole": ("Victor", "Bénévole", "+33650000005"),
}


@dataclass
class Cast:
    world: World
    ids: dict[str, int] = field(default_factory=dict)
    subs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def email(self, key: str) -> str:
        return self.world.email(key) if key in self.world.users else f"{key}@test.vigie.fr"

    def phone(self, key: str) -> str:
        return PEOPLE[key][2]


async def cast(settings: Any, password_hash: str, receiver: Any) -> Cast:
    """build_world, plus Alice, Bernard and Colette in Les Tilleuls, Colette's daughter Fanny in
    Centre-Bourg, and Victor (Centre-Bourg) who offered « Appeler ou passer voir… » in the directory.
    Everyone of them has one push device."""
    w = await build_world(password_hash)
    c = Cast(w)
    for key, (first, last, phone) in PEOPLE.items():
        community = w.sibling if key in ("fille", "benevole") else w.community
        c.ids[key] = await make_user(c.email(key), first, last, password_hash=password_hash, phone=phone,
                                     community_id=community, address_line1=f"{len(c.ids) + 1} rue des Lilas")
        sub = receiver.new_subscription()
        c.subs[key] = sub
        await delivery.subscribe(settings, c.ids[key], SubscriptionIn(
            endpoint=sub["endpoint"], keys=SubscriptionKeys(**sub["keys"]), device_label="téléphone"))
    await update_profile(c.ids["benevole"], ProfileIn(skills=[VOLUNTEER_SKILL]))
    return c


async def tick(app: Any, now: Any) -> dict[str, int]:
    """What the periodic job does, now; returns the totals so far (the job itself may run meanwhile)."""
    await run_episodes(app.state, now)
    return await totals()


async def totals() -> dict[str, int]:
    return {"asked": await EpisodeCheck.count(),
            "alerted": await EpisodeCheck.count().where(EpisodeCheck.escalated_at.is_not_null())}
