"""« Recevoir les alertes sur ce téléphone »: the home card shows while only e-mail reaches the
member, offers push on this phone, and goes once SMS on a mobile or a push device reaches them."""

from __future__ import annotations

from playwright.async_api import expect

from backend.auth.tables import User
from backend.delivery import service as delivery
from backend.delivery.schemas import SubscriptionIn, SubscriptionKeys
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import Neighbours, browser_login

CARD = "Recevoir les alertes sur ce téléphone"


async def open_home(page):
    async with page.expect_response("**/api/v1/me/preferences"):
        if page.url.endswith("/#/"):
            await page.reload()
        else:
            await page.goto("/#/")
    await expect(page.get_by_role("heading", name="Bienvenue dans Les Tilleuls")).to_be_visible()


async def test_the_card_shows_until_sms_on_a_mobile_reaches_the_member(fx_page, fx_neighbours):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await open_home(page)
    card = page.get_by_role("region", name=CARD)
    await expect(card).to_be_visible()
    await expect(card.get_by_text("seulement par e-mail")).to_be_visible()
    await expect(card.get_by_role("button", name="Activer les notifications sur cet appareil")).to_be_visible()
    await expect(card.get_by_text("Vous pouvez aussi les recevoir par SMS")).to_be_visible()
    await expect(card.get_by_role("link", name="Réglages des notifications")).to_have_attribute("href", "#/reglages")
    await assert_accessible(page, "home-reach-card")
    # below the page's title (its h2 follows the h1), above the tiles
    assert await page.evaluate("""() => {
        const h1 = document.querySelector("h1"), card = document.getElementById("reach-title");
        const tiles = document.querySelector("a[href='#/messages']");
        return Boolean(h1.compareDocumentPosition(card) & Node.DOCUMENT_POSITION_FOLLOWING)
            && Boolean(card.compareDocumentPosition(tiles) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")

    # SMS « on » for a landline reaches nobody: the card stays (and the settings offer no SMS)
    await User.update({User.phone: "+33238123456", User.phone_mobile: False}).where(User.id == fx_neighbours.odette)
    await delivery.start_channels(fx_neighbours.odette, True)
    await open_home(page)
    await expect(page.get_by_role("region", name=CARD)).to_be_visible()
    await expect(page.get_by_role("region", name=CARD).get_by_text("Vous pouvez aussi")).to_have_count(0)
    await page.goto("/#/reglages")
    await expect(page.get_by_text("Pas de SMS possible")).to_be_visible()
    await expect(page.locator('input[name="sms"]')).to_be_hidden()
    await expect(page.locator('input[name="email"]')).to_be_visible()

    # a mobile with SMS on: the card is gone
    await User.update({User.phone: "+33611000002", User.phone_mobile: True}).where(User.id == fx_neighbours.odette)
    await open_home(page)
    await expect(page.get_by_role("heading", name=CARD)).to_have_count(0)
    assert not page.errors, page.errors


async def test_the_card_goes_once_a_device_gets_push(fx_page, fx_neighbours, fx_settings, fx_push_service):
    page = fx_page
    await browser_login(page.context, Neighbours.ALICE)
    await open_home(page)
    await expect(page.get_by_role("region", name=CARD)).to_be_visible()
    # Alice turned push on from her other phone (PushManager.subscribe never settles headless)
    device = fx_push_service.new_subscription()
    await delivery.subscribe(fx_settings, fx_neighbours.alice, SubscriptionIn(
        endpoint=device["endpoint"], keys=SubscriptionKeys(**device["keys"]), device_label="Téléphone d'Alice"))
    await open_home(page)
    await expect(page.get_by_role("heading", name=CARD)).to_have_count(0)
    assert not page.errors, page.errors
