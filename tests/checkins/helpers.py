"""The cast of the check-in tests: a person, neighbours with a phone and a device, a referent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences, SubscriptionIn, SubscriptionKeys
from backend.delivery.service import LOCAL_TZ
from backend.demo import make_commune, make_community, make_user
from backend.lib import clock
from backend.checkins.escalation import run_due_checkins
from backend.checkins.service import MISSED_KIND, REMINDER_KIND
from backend.checkins.tables import CheckinEvent
from tests.alerts.helpers import wait_settled

NOTE = "Clés chez Mme Roux au n°14. Diabétique."

PEOPLE = {  # key: (first name, last name, phone)
    "person": ("Odette", "Martin", "+33640000001"),
    "w1": ("Bruno", "Roux", "+33640000002"),
    "w2": ("Chantal", "Petit", "+33640000003"),
    "w3": ("Denis", "Moreau", "+33640000004"),
    "referent": ("Rachid", "Referent", "+33640000005"),
    "neighbour": ("Nina", "Voisine", "+33640000006"),
    "foreign": ("Fabien", "Ailleurs", "+33640000007"),
    "moderator": ("Mona", "Moderatrice", "+33640000008"),
}


@dataclass
class Scene:
    community: int
    other_community: int
    ids: dict[str, int] = field(default_factory=dict)
    subs: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → receiver subscription

    def email(self, key: str) -> str:
        return f"{key}@test.vigie.fr"

    def phone(self, key: str) -> str:
        return PEOPLE[key][2]


async def scene(settings: Any, password_hash: str, receiver: Any) -> Scene:
    """Les Tilleuls: Odette (the person), three neighbours, a referent, another member; a member of
    another community and a moderator. Everyone but the moderator has one push device."""
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    other = await make_community(commune, "Centre-Bourg")
    s = Scene(community, other)
    for key, (first, last, phone) in PEOPLE.items():
        spec: dict[str, Any] = {"community_id": community}
        if key == "referent":
            spec["role"] = "referent"
        elif key == "foreign":
            spec["community_id"] = other
        elif key == "moderator":
            spec = {"community_id": None, "is_moderator": True}
        s.ids[key] = await make_user(s.email(key), first, last, password_hash=password_hash, phone=phone,
                                     address_line1="3 allée des Lilas" if key == "person" else "1 rue Haute", **spec)
        if key != "moderator":
            sub = receiver.new_subscription()
            s.subs[key] = sub
            await delivery.subscribe(settings, s.ids[key], SubscriptionIn(
                endpoint=sub["endpoint"], keys=SubscriptionKeys(**sub["keys"]), device_label="téléphone"))
    return s


def local(day: date, hh_mm: str) -> datetime:
    h, m = (int(x) for x in hh_mm.split(":"))
    return datetime.combine(day, time(h, m), tzinfo=LOCAL_TZ)


def move_clock_to(at: datetime) -> None:
    """Set the app's clock to `at` (forward only)."""
    delta = at - clock.now()
    assert delta >= timedelta(0), "the clock only moves forward"
    clock.advance(delta)


def tomorrow_at(hh_mm: str) -> date:
    """Move the clock to tomorrow at `hh_mm` (Paris time); return tomorrow's date."""
    day = (clock.now().astimezone(LOCAL_TZ) + timedelta(days=1)).date()
    move_clock_to(local(day, hh_mm))
    return day


async def tick(app: Any) -> dict[str, int]:
    """Do what the periodic job does, now; return how many reminders and alerts there have been
    in all (the job itself may also have run meanwhile: it is idempotent, totals are what count)."""
    await run_due_checkins(app.state.queues, clock.now())
    return await totals()


async def totals() -> dict[str, int]:
    return {kind: await CheckinEvent.count().where(CheckinEvent.type == kind) for kind in ("reminded", "escalated")}


async def quiet_all_day(user_id: int, sms: bool = False) -> None:
    await delivery.set_preferences(user_id, Preferences(push=True, email=False, sms=sms, quiet_start="00:00",
                                                        quiet_end="23:59"))


async def set_up(api, s, watchers=("w1", "w2", "w3"), accept=("w1", "w2"), **extra):
    """Odette sets her check-in up at 10:00 and the neighbours in `accept` accept."""
    person = await api.as_user(s.email("person"))
    r = await person.post(f"/api/v1/communities/{s.community}/checkins", {
        "watcher_ids": [s.ids[w] for w in watchers], "check_time": "10:00", "note": NOTE, **extra})
    assert r.status_code == 201, r.text
    checkin = r.json()
    clients = {}
    for w in accept:
        clients[w] = await api.as_user(s.email(w))
        accepted = await clients[w].post(f"/api/v1/solidarity/checkins/{checkin['id']}/invitation/accept")
        assert accepted.status_code == 200, accepted.text
    return person, clients, checkin["id"]


async def settled_event(checkin_id: int, type_: str, kind: str) -> int:
    event = await CheckinEvent.select(CheckinEvent.id).where(
        (CheckinEvent.checkin == checkin_id) & (CheckinEvent.type == type_)).order_by(CheckinEvent.id).first()
    assert event is not None, f"no {type_} event"
    await wait_settled(event["id"], kind=kind)
    return event["id"]


async def remind_then_alert(app: Any, checkin_id: int, day: date, alert_at: str = "11:01") -> None:
    """10:00 on `day`: the reminder goes out; at `alert_at`, the watchers are alerted (both settled)."""
    move_clock_to(local(day, "10:00"))
    await tick(app)
    await settled_event(checkin_id, "reminded", REMINDER_KIND)
    move_clock_to(local(day, alert_at))
    assert (await tick(app))["escalated"] == 1
    await settled_event(checkin_id, "escalated", MISSED_KIND)
