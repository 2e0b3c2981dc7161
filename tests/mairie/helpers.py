"""A commune of two communities with residents, devices and varied preferences, as mairie tests need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from backend.auth.tables import User
from backend.communities.tables import Membership
from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences, SubscriptionIn, SubscriptionKeys
from backend.delivery.service import LOCAL_TZ
from backend.demo import make_user
from backend.lib import clock
from tests.builders import World, build_world


@dataclass
class Town:
    world: World
    residents: dict[str, int] = field(default_factory=dict)  # name → user id (with one device each)
    phones: dict[int, str] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)

    @property
    def audience(self) -> set[int]:
        """Active members of the commune's two communities (the world's and the residents)."""
        w = self.world
        return {w.users["member"], w.users["referent"], w.users["other_member"]} | {
            uid for name, uid in self.residents.items() if not name.startswith("montval")}


def quiet_now() -> Preferences:
    """Quiet hours around the current (Paris) time."""
    local = clock.now().astimezone(LOCAL_TZ)
    return Preferences(quiet_start=(local - timedelta(hours=1)).strftime("%H:%M"),
                       quiet_end=(local + timedelta(hours=1)).strftime("%H:%M"))


async def town(settings: Any, password_hash: str, receiver: Any) -> Town:
    """build_world, plus: 4 residents in Les Tilleuls (tilleul0 is also member of Centre-Bourg),
    3 in Centre-Bourg, 2 in the other commune; each with one push device. tilleul1 wants SMS,
    tilleul2 is in quiet hours, bourg0 turned e-mail off."""
    w = await build_world(password_hash)
    t = Town(w)
    t.phones.update({r["id"]: r["phone"] for r in await User.select(User.id, User.phone)})
    specs = [("tilleul", w.community, 4), ("bourg", w.sibling, 3), ("montval", w.foreign, 2)]
    n = 0
    for prefix, community, count in specs:
        for i in range(count):
            n += 1
            name, email, phone = f"{prefix}{i}", f"{prefix}{i}@test.vigie.fr", f"+3367000{n:04d}"
            uid = await make_user(email, name.capitalize(), "Habitant", password_hash=password_hash, phone=phone,
                                  community_id=community)
            t.residents[name], t.phones[uid], t.emails[uid] = uid, phone, email
            sub = receiver.new_subscription()
            await delivery.subscribe(settings, uid, SubscriptionIn(endpoint=sub["endpoint"],
                                                                   keys=SubscriptionKeys(**sub["keys"])))
    await Membership.insert(Membership(user=t.residents["tilleul0"], community=w.sibling, status="active"))
    await delivery.set_preferences(t.residents["tilleul1"], Preferences(sms=True))
    await delivery.set_preferences(t.residents["tilleul2"], quiet_now())
    await delivery.set_preferences(t.residents["bourg0"], Preferences(email=False))
    return t


BROADCAST = {"category": "inondation", "severity": "vigilance", "title": "Crue de la Loire",
             "body": "Le niveau monte : évitez les berges et les parkings du quai."}
