"""Offline, in Chromium: reading from the worker's copy, alerts written offline (the outbox),
permanent refusals, and logout wiping what the device keeps."""

from __future__ import annotations

import re

from playwright.async_api import expect

from backend.alerts.tables import Alert
from tests.e2e.conftest import (Neighbours, back_online_with_two_replays, browser_login, collect_errors, open_app,
                               wait_for_js, wait_until)

SHOTS = "/tmp/vigie-screens"
OFFLINE_BANNER = re.compile(r"Hors ligne — données du \d\d/\d\d à \d\d:\d\d")
API_CACHE_SIZE = "caches.open('vigie-api').then((cache) => cache.keys()).then((keys) => keys.length)"
OUTBOX = "import('/sw/outbox.js').then((m) => m.listOutbox())"


async def alert_count_is(n: int) -> bool:
    return await Alert.count() == n


def unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the network being cut on purpose."""
    return [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]


async def fill_alert_form(page, title: str) -> None:
    await page.get_by_label("Personne suspecte").check()
    await page.get_by_label("En quelques mots").fill(title)
    await page.get_by_label("Ce que vous voyez").fill("Il regarde dans les boîtes aux lettres.")
    await page.get_by_role("button", name="Envoyer l'alerte").click()


async def test_after_one_visit_the_feed_and_an_alert_are_read_offline(fx_persistent, fx_neighbours, fx_live_api):
    alice = await fx_live_api(Neighbours.ALICE)
    alert = await alice.post_alert(fx_neighbours.community, "key-offline-0001", title="Chien perdu rue Haute")
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/alertes")
    # Once in control, the worker gets the feed and the latest alerts read again and keeps them.
    await wait_for_js(page, f"{API_CACHE_SIZE}.then((n) => n >= 2)")

    await context.set_offline(True)
    await page.goto("/#/alertes")
    await page.reload()  # the shell from the precache, the user from the device, data from the copy
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible()
    card = page.locator(f'[data-alert-id="{alert["id"]}"]')
    await expect(card).to_contain_text("Chien perdu rue Haute")
    await page.screenshot(path=f"{SHOTS}/alerts-offline.png", full_page=True)
    await card.click()
    await expect(page.get_by_role("heading", name="Chien perdu rue Haute")).to_be_visible()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible()
    await expect(page.get_by_role("button", name="Marquer comme résolue")).to_have_count(0)

    other = await context.new_page()
    await other.goto("/jamais-visitee")
    await expect(other.get_by_role("heading", name="Vous êtes hors ligne")).to_be_visible()
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors


async def test_alert_written_offline_waits_survives_closing_and_is_created_once(fx_persistent, fx_neighbours):
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/alertes")
    await expect(page.get_by_text("Aucune alerte pour le moment.")).to_be_visible()

    await context.set_offline(True)
    await page.get_by_role("link", name="Donner l'alerte").click()
    await fill_alert_form(page, "Homme qui fouille les boîtes")
    await expect(page.get_by_text("Pas de connexion : votre alerte n'est pas encore partie.")).to_be_visible()
    waiting = page.locator("[data-outbox-id]")
    await expect(waiting).to_contain_text("En attente d'envoi")
    await expect(waiting).to_contain_text(re.compile(r"écrite le \d\d/\d\d à \d\d:\d\d"))
    await page.screenshot(path=f"{SHOTS}/alerts-pending.png", full_page=True)
    [item] = await page.evaluate(OUTBOX)
    assert item["headers"]["Idempotency-Key"] == item["id"] and item["state"] == "pending"

    # Closing the app offline loses nothing: a new page (same profile) still shows it waiting.
    await page.close()
    page = await context.new_page()
    errors += collect_errors(page)
    await page.goto("/#/alertes")
    await expect(page.locator("[data-outbox-id]")).to_contain_text("Homme qui fouille les boîtes")
    assert await Alert.count() == 0

    # Back online: Background Sync fires by itself; a forced sync and a replay from the page
    # race it. The Web Lock and the idempotency key make it one alert.
    await back_online_with_two_replays(context, page)
    await wait_until(lambda: alert_count_is(1), what="the alert on the server")
    await expect(page.locator("[data-outbox-id]")).to_have_count(0)
    await expect(page.locator("[data-alert-id]")).to_contain_text("Homme qui fouille les boîtes")
    assert await page.evaluate(OUTBOX) == []
    await wait_for_js(page, "navigator.locks.query().then((s) => s.held.length + s.pending.length === 0)")
    assert await Alert.count() == 1
    created = await Alert.select(Alert.idempotency_key).first()
    assert created["idempotency_key"] == item["id"]

    # With the app closed, Background Sync alone sends what was written offline.
    await context.set_offline(True)
    await page.get_by_role("link", name="Donner l'alerte").click()
    await fill_alert_form(page, "Voiture qui rôde sans phares")
    await expect(page.locator("[data-outbox-id]")).to_contain_text("Voiture qui rôde sans phares")
    await page.close()
    await context.set_offline(False)
    await wait_until(lambda: alert_count_is(2), what="the second alert, sent by the worker alone")
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors


async def test_refused_request_is_kept_with_the_servers_reason_until_deleted(fx_page, fx_neighbours):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/alertes")
    await expect(page.get_by_text("Aucune alerte pour le moment.")).to_be_visible()
    await page.evaluate("""async ([community, user]) => {
        const outbox = await import('/sw/outbox.js');
        await outbox.enqueueRequest({id: 'refused-key-0001', kind: 'alert', userId: user, info: {community_id: community},
            url: `/api/v1/communities/${community}/alerts`,
            body: {category: 'meteorite', title: 'Chute de météorite', body: 'Dans le jardin.'}});
        await (await import('/js/outbox.js')).replayNow();
    }""", [fx_neighbours.community, fx_neighbours.odette])
    refused = page.locator('[data-outbox-id="refused-key-0001"]')
    await expect(refused).to_contain_text("Non envoyée")
    await expect(refused).to_contain_text("Catégorie d'alerte inconnue.")
    await page.screenshot(path=f"{SHOTS}/alerts-refused.png", full_page=True)

    await page.evaluate("import('/js/outbox.js').then((m) => m.replayNow())")  # never sent again
    [item] = await page.evaluate(OUTBOX)
    assert (item["state"], item["attempts"], item["error"]["code"]) == ("failed", 1, "invalid_category")
    await refused.get_by_role("button", name="Supprimer cette alerte").click()
    await expect(refused).to_have_count(0)
    assert await page.evaluate(OUTBOX) == []
    assert await Alert.count() == 0
    assert not page.errors, page.errors


async def test_logout_leaves_no_cached_api_data_and_no_indexeddb(fx_persistent, fx_neighbours, fx_live_api):
    alice = await fx_live_api(Neighbours.ALICE)
    await alice.post_alert(fx_neighbours.community, "key-logout-00001", title="Volets fermés depuis trois jours")
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/alertes")
    await page.get_by_role("link", name="Volets fermés depuis trois jours").click()
    await expect(page.get_by_role("heading", name="Volets fermés depuis trois jours")).to_be_visible()
    await wait_for_js(page, f"{API_CACHE_SIZE}.then((n) => n >= 2)")
    await page.evaluate("""import('/sw/outbox.js').then((m) => m.enqueueRequest({id: 'kept-key-000001', kind: 'alert',
        url: '/api/v1/communities/0/alerts', body: {title: 'brouillon'}, info: {community_id: 0}}))""")
    assert "vigie" in [db["name"] for db in await page.evaluate("indexedDB.databases()")]

    await page.get_by_role("link", name="Réglages").click()
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert "vigie-api" not in await page.evaluate("caches.keys()")
    assert await page.evaluate("indexedDB.databases()") == []
    assert await page.evaluate("localStorage.getItem('vigie.me')") is None
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors
