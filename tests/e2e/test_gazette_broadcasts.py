"""A mairie broadcast sent with « La Gazette » checked shows at the top of the Gazette of the
communities it went to (issue 15, point 6), in Chromium: the staff send an « Information » (its
default channels: notifications and the Gazette) to Les Tilleuls only; Odette (Les Tilleuls) finds
it under « De la mairie » in her Gazette, axe clean; Bernard (Centre-Bourg) does not."""

from __future__ import annotations

from playwright.async_api import expect

from backend.mairie.tables import Broadcast
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import browser_login
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401 (fixture)
from tests.e2e.test_mairie_broadcasts import fill_broadcast


async def test_an_information_sent_to_the_gazette_heads_the_gazette_of_its_community(fx_page, fx_town):
    page = fx_page
    await browser_login(page.context, Town.STAFF)
    await page.goto("/#/mairie/diffusion")
    await fill_broadcast(page, category="Événement", severity="Information", title="Marché de Noël",
                         body="Place de l'église, samedi de 9 h à 18 h : vin chaud et santons.")
    await expect(page.get_by_label("La Gazette", exact=True)).to_be_checked()  # information: push + Gazette
    await page.get_by_label("Certains quartiers seulement").check()
    await page.get_by_label("Les Tilleuls").check()
    await page.get_by_role("button", name="Vérifier avant l'envoi").click()
    await page.locator(".mairie-preview").get_by_role("button", name="Envoyer l'annonce").click()
    await expect(page.get_by_text("C'est parti : votre annonce est envoyée.")).to_be_visible()
    row = await Broadcast.select(Broadcast.channels, Broadcast.all_communities).first()
    assert set(row["channels"].split(",")) == {"push", "gazette"} and row["all_communities"] is False

    await page.context.clear_cookies()
    await browser_login(page.context, Town.ODETTE)
    await page.goto("/#/gazette")
    await page.reload()  # a new session: the app reads who is logged in at start
    await expect(page.get_by_role("heading", name="De la mairie", level=2)).to_be_visible()
    card = page.locator(".gazette-broadcasts .mairie-broadcast")
    await expect(card).to_have_count(1)
    await expect(card).to_contain_text("Marché de Noël")
    await expect(card).to_contain_text("Mairie de Bellerive-sur-Loire")
    await expect(card).to_contain_text("vin chaud et santons")
    await expect(page.get_by_text("Rien dans la Gazette pour le moment.")).to_be_hidden()
    await page.screenshot(path=f"{SHOTS}/gazette-mairie-broadcast.png", full_page=True)
    await assert_accessible(page, "#/gazette with a mairie broadcast")
    await card.get_by_role("link", name="Marché de Noël").click()
    await expect(page.get_by_role("heading", level=1, name="Marché de Noël")).to_be_visible()
    assert not page.errors, page.errors

    await page.context.clear_cookies()
    await browser_login(page.context, Town.BERNARD)
    await page.goto("/#/gazette")
    await page.reload()
    await expect(page.get_by_text("Rien dans la Gazette pour le moment.")).to_be_visible()
    await expect(page.get_by_role("heading", name="De la mairie")).to_have_count(0)
