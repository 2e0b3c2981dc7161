"""A driver deleting their carpool before departure: the accepted passenger and the pending
requesters are told « Le covoiturage … a été annulé » on the real push service and by e-mail;
a refused requester, the other members and the driver are not. A carpool already gone is
deleted without a word; the copy kept for the notice leaves after a week."""

from __future__ import annotations

from datetime import timedelta

from backend.delivery import service as delivery
from backend.delivery.schemas import SubscriptionIn, SubscriptionKeys
from backend.delivery.tables import Delivery, Outbox
from backend.gazette.jobs import purge_ride_cancellations
from backend.gazette.carpools import RIDE_CANCEL_KIND
from backend.gazette.tables import GazetteRideCancellation, GazetteRideRequest
from backend.lib import clock
from tests.alerts.helpers import wait_settled
from tests.builders import add_members
from tests.conftest import Api
from tests.gazette.helpers import later, new_post


async def test_deleting_a_carpool_tells_its_accepted_and_pending_passengers_only(
        people, world, fx_app, fx_settings, fx_password_hash, fx_push, fx_mail):
    driver, accepted, bystander = await people("member"), await people("referent"), await people("other_member")
    pending_id, refused_id = await add_members(fx_password_hash, world.community, 2)
    devices = {"accepted": world.subs["referent"], "driver": world.subs["member"], "bystander": world.subs["staff"]}
    clients: dict[str, Api] = {}
    for name, user_id, email in (("pending", pending_id, "voisin0@test.vigie.fr"),
                                 ("refused", refused_id, "voisin1@test.vigie.fr")):
        devices[name] = fx_push.new_subscription()
        await delivery.subscribe(fx_settings, user_id, SubscriptionIn(
            endpoint=devices[name]["endpoint"], keys=SubscriptionKeys(**devices[name]["keys"]), device_label=name))
        clients[name] = Api(fx_app)
        await clients[name].login(email)

    ride = await new_post(driver, world.community, "carpool", seats=2)
    ask = f"/api/v1/gazette/posts/{ride['id']}/ride-requests"
    ids = {name: (await client.post(ask, {})).json()["id"]
           for name, client in (("accepted", accepted), *clients.items())}
    assert (await driver.post(f"/api/v1/gazette/ride-requests/{ids['accepted']}/accept")).status_code == 200
    assert (await driver.post(f"/api/v1/gazette/ride-requests/{ids['refused']}/refuse")).status_code == 200
    for name in ids:
        await wait_settled(ids[name], kind="gazette_ride_ask")
    await wait_settled(ids["accepted"], kind="gazette_ride_answer")
    await wait_settled(ids["refused"], kind="gazette_ride_answer")
    assert (await bystander.get(f"/api/v1/gazette/posts/{ride['id']}")).status_code == 403
    fx_push.clear()
    fx_mail.clear()

    assert (await driver.delete(f"/api/v1/gazette/posts/{ride['id']}")).status_code == 204
    assert await GazetteRideRequest.count() == 0
    [outbox] = await Outbox.select().where(Outbox.kind == RIDE_CANCEL_KIND)
    rows = await wait_settled(outbox["ref_id"], kind=RIDE_CANCEL_KIND)
    assert sorted((r["user"], r["channel"], r["state"]) for r in rows) == sorted([
        (world.users["referent"], "push", "sent"), (world.users["referent"], "email", "sent"),
        (pending_id, "push", "sent"), (pending_id, "email", "sent")])

    pushes = await fx_push.wait_for_async(2, timeout=20)
    assert sorted(p.subscription_id for p in pushes) == sorted(
        fx_push.subscription_id(devices[name]) for name in ("accepted", "pending"))
    for push in pushes:
        assert push.json["event"] == RIDE_CANCEL_KIND and push.json["title"] == "Covoiturage annulé"
        assert push.json["body"].startswith("Le covoiturage Les Tilleuls → Orléans, place du Martroi du ")
        assert "a été annulé par son conducteur" in push.json["body"]
    for name in ("driver", "refused", "bystander"):
        assert fx_push.for_subscription(devices[name]) == []
    mails = await fx_mail.wait_for_async(2, timeout=20)
    assert sorted(m.rcpt_tos for m in mails) == [("referent@test.vigie.fr",), ("voisin0@test.vigie.fr",)]
    assert all(m.message["Subject"] == "[Vigie] Covoiturage annulé" for m in mails)
    assert len(fx_push.received) == 2 and len(fx_mail.messages) == 2
    for client in clients.values():
        await client.aclose()


async def test_a_carpool_deleted_after_departure_or_without_passengers_notifies_nobody(people, world):
    driver, passenger = await people("member"), await people("referent")
    lonely = await new_post(driver, world.community, "carpool")
    assert (await driver.delete(f"/api/v1/gazette/posts/{lonely['id']}")).status_code == 204
    gone = await new_post(driver, world.community, "carpool")
    asked = (await passenger.post(f"/api/v1/gazette/posts/{gone['id']}/ride-requests", {})).json()
    assert (await driver.post(f"/api/v1/gazette/ride-requests/{asked['id']}/accept")).status_code == 200
    clock.advance(timedelta(days=3))  # the car has left
    assert (await driver.delete(f"/api/v1/gazette/posts/{gone['id']}")).status_code == 204
    assert await Outbox.count().where(Outbox.kind == RIDE_CANCEL_KIND) == 0
    assert await Delivery.count().where(Delivery.kind == RIDE_CANCEL_KIND) == 0


async def test_a_cancelled_carpools_copy_is_purged_after_a_week(people, world):
    driver, passenger = await people("member"), await people("referent")
    ride = await new_post(driver, world.community, "carpool", departs_at=later(days=20))
    await passenger.post(f"/api/v1/gazette/posts/{ride['id']}/ride-requests", {})
    assert (await driver.delete(f"/api/v1/gazette/posts/{ride['id']}")).status_code == 204
    assert await GazetteRideCancellation.count() == 1
    clock.advance(timedelta(days=6))
    assert await purge_ride_cancellations({}) == 0
    clock.advance(timedelta(days=2))
    assert await purge_ride_cancellations({}) == 1
    assert await GazetteRideCancellation.count() == 0
