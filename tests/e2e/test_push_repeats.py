"""A push sent again after a worker died (same delivery id) is acknowledged, never shown twice,
by the real service worker in Chromium; the copies come from the server's real takeover."""

from __future__ import annotations

from datetime import timedelta

from backend.delivery.tables import Delivery
from backend.lib import clock
from tests.alerts.helpers import wait_settled
from playwright.async_api import expect

from tests.e2e.conftest import Neighbours, browser_login, open_app, wait_until, worker_registration
from tests.e2e.test_push import NOTIFICATIONS, odette_device, received

CLOSE_ALL = """async () => { for (const n of await self.registration.getNotifications()) n.close(); }"""


async def test_a_delivery_resent_after_a_lost_worker_is_acknowledged_but_not_shown_again(
        fx_persistent, fx_neighbours, fx_live_api, fx_push_service, fx_settings):
    device = await odette_device(fx_push_service, fx_settings, fx_neighbours)
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/")
    cdp, registration_id = await worker_registration(context, page)
    origin = page.url.split("/#")[0]

    alice = await fx_live_api(Neighbours.ALICE)
    alert = await alice.post_alert(fx_neighbours.community, "key-push-repeat-01", category="fire_smoke",
                                   title="Fumée rue des Écoles")
    sub_id = fx_push_service.subscription_id(device)
    [first] = [p for p in await fx_push_service.wait_for_async(1, timeout=20) if p.subscription_id == sub_id]
    await wait_settled(alert["id"])
    delivery_id = first.json["delivery_id"]

    await cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id,
                                                        "data": first.payload.decode()})
    await wait_until(lambda: received(delivery_id), what="the first received receipt")
    assert [n["data"]["delivery_id"] for n in await page.evaluate(NOTIFICATIONS)] == [delivery_id]
    [worker] = context.service_workers
    await worker.evaluate(CLOSE_ALL)  # Odette has read and dismissed it

    # The worker that sent it "died" before recording it: its row is still sending, lease lapsed.
    await Delivery.update({Delivery.state: "sending", Delivery.received_at: None, Delivery.worker: "lost:1:dead00",
                           Delivery.lease_until: clock.now() - timedelta(seconds=30)}).where(Delivery.id == delivery_id)
    copies = [p for p in await fx_push_service.wait_for_async(2, timeout=30) if p.subscription_id == sub_id]
    assert [c.json["delivery_id"] for c in copies] == [delivery_id, delivery_id]  # the server did send it twice
    await wait_settled(alert["id"])

    await cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id,
                                                        "data": copies[1].payload.decode()})
    await wait_until(lambda: received(delivery_id), what="the repeat's received receipt")
    assert await page.evaluate(NOTIFICATIONS) == []  # not shown again

    # Another delivery is still shown: only repeats are silenced.
    second = await alice.post_alert(fx_neighbours.community, "key-push-repeat-02", category="fire_smoke",
                                    title="Fumée place du Marché")
    pushes = await fx_push_service.wait_for_async(3, timeout=20)
    [other] = [p for p in pushes if p.subscription_id == sub_id and p.json["alert_id"] == second["id"]]
    await cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id,
                                                        "data": other.payload.decode()})
    await wait_until(lambda: page.evaluate(NOTIFICATIONS), what="the other alert's notification")
    assert [n["data"]["delivery_id"] for n in await page.evaluate(NOTIFICATIONS)] == [other.json["delivery_id"]]
    assert not errors + context.worker_errors, errors + context.worker_errors


async def test_the_author_sees_deliveries_in_flight_as_being_sent(fx_page, fx_neighbours, fx_live_api):
    alice = await fx_live_api(Neighbours.ALICE)
    alert = await alice.post_alert(fx_neighbours.community, "key-push-repeat-03", category="fire_smoke",
                                   title="Fumée au lavoir")
    await wait_settled(alert["id"])
    # Odette's e-mail is being sent by a live worker (its lease runs for a while yet).
    await Delivery.update({Delivery.state: "sending", Delivery.worker: "busy:1:abcdef",
                           Delivery.lease_until: clock.now() + timedelta(minutes=5)}).where(
        (Delivery.ref_id == alert["id"]) & (Delivery.user == fx_neighbours.odette) & (Delivery.channel == "email"))
    page = fx_page
    await browser_login(page.context, Neighbours.ALICE)
    await page.goto(f"/#/alertes/{alert['id']}")
    row = page.get_by_role("row", name="En cours d'envoi")
    await expect(row).to_be_visible()
    assert await row.get_by_role("cell").all_inner_texts() == ["0", "1", "0"]  # push, e-mail, SMS
    assert await page.get_by_role("row", name="En attente").get_by_role("cell").all_inner_texts() == ["0", "0", "0"]
    await Delivery.update({Delivery.state: "queued", Delivery.lease_until: None}).where(
        (Delivery.ref_id == alert["id"]) & (Delivery.state == "sending"))
    assert not page.errors, page.errors
