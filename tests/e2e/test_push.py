"""Push, in Chromium: the server's real push (caught by the loopback push service) is handed to
the worker through the DevTools protocol; it shows the alert, a tap opens it, and both receipts
reach the server."""

from __future__ import annotations


from playwright.async_api import expect

from backend.delivery import service as delivery
from backend.delivery.schemas import SubscriptionIn, SubscriptionKeys
from backend.delivery.tables import Delivery, PushSubscription
from tests.alerts.helpers import wait_settled
from tests.e2e.conftest import Neighbours, browser_login, open_app, wait_until, worker_registration

NOTIFICATIONS = """navigator.serviceWorker.ready.then((r) => r.getNotifications())
    .then((list) => list.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))"""
TAP_FIRST_NOTIFICATION = """async () => {
    // No notification can be tapped headless: dispatch the click the browser would.
    const [notification] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
}"""


async def odette_device(push_service, settings, neighbours) -> dict:
    """Odette's phone, as the push service knows it (PushManager.subscribe never settles headless)."""
    push_service.clear()
    device = push_service.new_subscription()
    await delivery.subscribe(settings, neighbours.odette, SubscriptionIn(
        endpoint=device["endpoint"], keys=SubscriptionKeys(**device["keys"]), device_label="Téléphone d'Odette"))
    return device


async def received(delivery_id: int) -> bool:
    row = await Delivery.select(Delivery.received_at).where(Delivery.id == delivery_id).first()
    return row["received_at"] is not None


async def opened(delivery_id: int) -> bool:
    row = await Delivery.select(Delivery.opened_at).where(Delivery.id == delivery_id).first()
    return row["opened_at"] is not None


async def test_push_shows_the_alert_and_a_tap_opens_it_and_receipts_reach_the_server(
        fx_persistent, fx_neighbours, fx_live_api, fx_push_service, fx_settings):
    device = await odette_device(fx_push_service, fx_settings, fx_neighbours)
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/")
    cdp, registration_id = await worker_registration(context, page)

    alice = await fx_live_api(Neighbours.ALICE)
    alert = await alice.post_alert(fx_neighbours.community, "key-push-0000001", category="fire_smoke",
                                   title="Fumée chez les Bernard")
    [push] = [p for p in await fx_push_service.wait_for_async(1, timeout=20)
              if p.subscription_id == fx_push_service.subscription_id(device)]
    await wait_settled(alert["id"])
    assert push.json["alert_id"] == alert["id"] and push.json["urgent"] is True
    delivery_id = push.json["delivery_id"]

    origin = page.url.split("/#")[0]
    await cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id,
                                                        "data": push.payload.decode()})
    await wait_until(lambda: received(delivery_id), what="the received receipt (sent once it is shown)")
    [shown] = await page.evaluate(NOTIFICATIONS)
    assert shown["title"] == push.json["title"] and "Fumée chez les Bernard" in shown["title"] + shown["body"]
    assert shown["tag"] == f"alert-{alert['id']}"
    assert shown["data"]["url"].endswith(f"/#/alertes/{alert['id']}")

    [worker] = context.service_workers
    await worker.evaluate(TAP_FIRST_NOTIFICATION)
    await expect(page).to_have_url(f"{origin}/#/alertes/{alert['id']}")
    await expect(page.get_by_role("heading", name="Fumée chez les Bernard")).to_be_visible()
    await wait_until(lambda: opened(delivery_id), what="the opened receipt")
    assert await page.evaluate(NOTIFICATIONS) == []  # the tapped notification is gone

    # A push the worker cannot read still shows something (browsers punish silent pushes).
    await cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id,
                                                        "data": "pas du JSON"})
    await wait_until(lambda: page.evaluate(NOTIFICATIONS), what="the generic notification")
    assert [n["title"] for n in await page.evaluate(NOTIFICATIONS)] == ["Vigie — nouvelle notification"]
    assert not errors + context.worker_errors, errors + context.worker_errors


async def test_settings_list_the_devices_send_a_test_and_delete_one(fx_page, fx_neighbours, fx_push_service,
                                                                       fx_settings):
    device = await odette_device(fx_push_service, fx_settings, fx_neighbours)
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/reglages")
    item = page.locator(".device", has_text="Téléphone d'Odette")
    await expect(item).to_contain_text("Ajouté le")
    await page.get_by_label("SMS", exact=True).check()
    await page.get_by_label("Heures calmes", exact=True).check()
    await page.get_by_label("Début des heures calmes").fill("22:30")
    await page.get_by_role("button", name="Enregistrer mes choix").click()
    await expect(page.get_by_text("Vos choix sont enregistrés.")).to_be_visible()
    prefs = await delivery.get_preferences(fx_neighbours.odette)
    assert (prefs.push, prefs.email, prefs.sms, prefs.quiet_start, prefs.quiet_end) == (True, True, True, "22:30", "07:00")
    await page.locator(".device").first.scroll_into_view_if_needed()
    await page.screenshot(path="/tmp/vigie-screens/settings-devices.png", full_page=True)

    await item.get_by_role("button", name="Envoyer une notification de test").click()
    await expect(page.get_by_text("Notification de test envoyée")).to_be_visible()
    [test_push] = await fx_push_service.wait_for_async(1, timeout=10)
    assert test_push.json["title"] == "Vigie : notification de test"
    await item.get_by_role("button", name="Supprimer").click()
    await expect(page.get_by_text("Cet appareil ne recevra plus les alertes.")).to_be_visible()
    await expect(item).to_have_count(0)
    assert await PushSubscription.count() == 0
    assert not page.errors, page.errors
