"""Shared steps of the alert tests: a community with members, preferences and devices."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences, SubscriptionIn, SubscriptionKeys
from backend.delivery.tables import Delivery, Outbox
from backend.demo import make_commune, make_community, make_user

_keys = itertools.count(1)


def idem() -> dict[str, str]:
    return {"Idempotency-Key": f"test-key-{next(_keys):06d}"}


ALERT = {"category": "suspicious_vehicle", "title": "Camionnette blanche", "body": "Elle tourne rue des Lilas.",
         "place": "Rue des Lilas"}


@dataclass
class Neighbourhood:
    community: int
    author: int
    members: list[int] = field(default_factory=list)
    subs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # user → receiver subscriptions
    prefs: dict[int, Preferences] = field(default_factory=dict)
    phones: dict[int, str] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)

    def expected(self, channel: str) -> set[int]:
        out = set()
        for uid in self.members:
            p = self.prefs.get(uid, Preferences())
            if getattr(p, channel) and (channel != "push" or self.subs.get(uid)):
                out.add(uid)
        return out


async def neighbourhood(settings: Any, password_hash: str, receiver: Any, count: int,
                        prefs_for=None, devices_for=None, behaviour_for=None, slow_delay: float = 0.5) -> Neighbourhood:
    """`count` members besides the author; `prefs_for(i)`, `devices_for(i)` choose per member;
    `behaviour_for(i)` how its devices answer ("slow": after `slow_delay` s)."""
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    author = await make_user("auteur@test.vigie.fr", "Alice", "Auteur", password_hash=password_hash,
                             phone="+33699999999", community_id=community)
    hood = Neighbourhood(community, author)
    for i in range(count):
        phone = f"+336{30000000 + i}"
        email = f"voisin{i}@test.vigie.fr"
        uid = await make_user(email, f"Voisin{i}", "Test", password_hash=password_hash, phone=phone,
                              community_id=community)
        hood.members.append(uid)
        hood.phones[uid] = phone
        hood.emails[uid] = email
        prefs = prefs_for(i) if prefs_for else Preferences()
        hood.prefs[uid] = prefs
        await delivery.set_preferences(uid, prefs)
        hood.subs[uid] = []
        for _ in range(devices_for(i) if devices_for else 1):
            sub = receiver.new_subscription(behaviour_for(i) if behaviour_for else None, delay=slow_delay)
            hood.subs[uid].append(sub)
            await delivery.subscribe(settings, uid, SubscriptionIn(
                endpoint=sub["endpoint"], keys=SubscriptionKeys(**sub["keys"]), device_label=f"téléphone {i}"))
    return hood


async def wait_settled(ref_id: int, kind: str = "alert", timeout: float = 30.0) -> list[dict[str, Any]]:
    """Wait until the fan-out of (kind, ref) is complete and none of its deliveries is queued or
    sending; return the rows.

    The fan-out writes its rows channel by channel (push first, its jobs started before the
    e-mail rows exist): settled rows alone can be the pushes of a fan-out still under way, so its
    outbox row (when it has one) must be completed too."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pending = await Outbox.exists().where((Outbox.kind == kind) & (Outbox.ref_id == ref_id)
                                              & Outbox.completed_at.is_null())
        rows = await Delivery.select().where((Delivery.kind == kind) & (Delivery.ref_id == ref_id))
        if not pending and rows and all(r["state"] not in ("queued", "sending") for r in rows):
            return rows
        if asyncio.get_running_loop().time() > deadline:
            states = sorted((r["channel"], r["state"], r["reason"]) for r in rows)
            raise AssertionError(f"deliveries not settled after {timeout} s: {states}")
        await asyncio.sleep(0.1)
