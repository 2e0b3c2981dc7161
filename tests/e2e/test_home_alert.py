"""The home page for someone giving the alert (issue 14): « Donner l'alerte » first and on screen
without scrolling at 200 % zoom; an alert waiting in the outbox shown there with its state, and
no second red button beside it; old alerts never shown as current when the network hangs."""

from __future__ import annotations

from playwright.async_api import expect

from backend.alerts.tables import Alert
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import Neighbours, back_online_with_two_replays, browser_login, open_app, wait_for_js, wait_until
from tests.e2e.test_offline import API_CACHE_SIZE, OFFLINE_BANNER, fill_alert_form, unexpected
from tests.e2e.test_zoom_200 import ZOOM_200

SHOTS = "/tmp/vigie-screens"


async def test_alert_button_comes_first_and_is_on_screen_at_200_percent_zoom(fx_browser, fx_server, fx_neighbours):
    context = await fx_browser.new_context(base_url=fx_server.url, **ZOOM_200)
    page = await context.new_page()
    await browser_login(context, Neighbours.ODETTE)
    await page.goto("/#/")
    await expect(page.get_by_role("heading", name="Bienvenue dans Les Tilleuls")).to_be_visible()
    button = page.get_by_role("link", name="Donner l'alerte", exact=True)
    box = await button.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 370, box  # whole, without scrolling
    first = await page.evaluate("document.querySelector('main a[href], main button').textContent")
    assert first == "Donner l'alerte"
    await page.screenshot(path=f"{SHOTS}/zoom200-home-first-screen.png")
    await context.close()


async def test_alert_waiting_to_be_sent_is_on_the_home_page_without_a_second_alert_button(fx_persistent, fx_neighbours):
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/")
    raise_alert = page.get_by_role("link", name="Donner l'alerte", exact=True)
    await expect(raise_alert).to_be_visible()

    await context.set_offline(True)
    await raise_alert.click()
    await fill_alert_form(page, "Homme qui fouille les boîtes")
    await expect(page.get_by_text("Pas de connexion : votre alerte n'est pas encore partie.")).to_be_visible()
    # Right under « pas encore partie »: no red button to tap again, only a plain link onwards.
    await expect(page.get_by_role("link", name="Donner l'alerte", exact=True)).to_have_count(0)
    await expect(page.get_by_role("link", name="Donner une autre alerte, différente de celle-ci")).to_be_visible()

    await page.goto("/#/")
    await expect(page.get_by_role("heading", name="Votre alerte en attente")).to_be_visible()
    waiting = page.locator("main [data-outbox-id]")
    await expect(waiting).to_contain_text("Homme qui fouille les boîtes")
    await expect(waiting).to_contain_text("En attente d'envoi")
    await expect(page.get_by_role("link", name="Donner l'alerte", exact=True)).to_have_count(0)
    await page.screenshot(path=f"{SHOTS}/home-alert-waiting.png", full_page=True)
    await assert_accessible(page, "home with an alert waiting")
    assert await Alert.count() == 0

    # Sent once back online: the home page gives the button back by itself.
    await back_online_with_two_replays(context, page)
    await wait_until(alert_sent, what="the alert on the server")
    await expect(page.locator("main [data-outbox-id]")).to_have_count(0)
    await expect(page.get_by_role("link", name="Donner l'alerte", exact=True)).to_be_visible()
    assert await Alert.count() == 1
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors


async def alert_sent() -> bool:
    return await Alert.count() == 1


async def test_home_says_its_alerts_are_old_when_the_network_answers_nothing(fx_persistent, fx_neighbours, fx_live_api):
    alice = await fx_live_api(Neighbours.ALICE)
    await alice.post_alert(fx_neighbours.community, "key-home-hang-01", title="Chien perdu rue Haute")
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/")
    await expect(page.locator("main [data-alert-id]")).to_contain_text("Chien perdu rue Haute")
    await wait_for_js(page, f"{API_CACHE_SIZE}.then((n) => n >= 1)")
    await expect(page.get_by_text(OFFLINE_BANNER)).to_have_count(0)

    # A tunnel: the connection is up but the feed's request never gets an answer. context.route
    # sees the worker's own fetches (page.route would not); this handler never answers.
    hanging: list = []
    await context.route("**/api/v1/communities/*/alerts?*", lambda route: hanging.append(route))
    await page.reload()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible(timeout=10_000)
    await expect(page.locator("main [data-alert-id]")).to_contain_text("Chien perdu rue Haute")
    assert hanging, "the feed's request did not reach the network"
    await page.screenshot(path=f"{SHOTS}/home-network-hangs.png", full_page=True)
    await context.unroute("**/api/v1/communities/*/alerts?*")
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors
