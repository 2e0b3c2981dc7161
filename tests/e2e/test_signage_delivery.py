"""The « livrée » note of a signage order in Chromium (issue 15, point 6): the staff mark an
approved order delivered with a note; the referent who ordered it reads the note and the date."""

from __future__ import annotations

from playwright.async_api import expect

from backend.mairie.tables import SignageOrder
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import browser_login
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401 (fixture)

NOTE = "Déposés à l'accueil de la mairie, à retirer auprès de Mme Martin."


async def test_staff_deliver_an_order_with_a_note_and_the_referent_reads_it(fx_page, fx_town, fx_live_api):
    referent = await fx_live_api(Town.REFERENT)
    order = await referent.request("POST", f"/api/v1/communities/{fx_town.tilleuls}/signage-orders", json={
        "model": "panneau_rue", "quantity": 4, "delivery_address": "3 place de l'Église, 45100 Bellerive-sur-Loire"})
    assert order.status_code == 201, order.text
    oid = order.json()["id"]
    staff = await fx_live_api(Town.STAFF)
    approved = await staff.request("POST", f"/api/v1/communes/{fx_town.commune}/signage-orders/{oid}/decision",
                                   json={"decision": "approve", "note": "Livraison sous 15 jours."})
    assert approved.status_code == 200, approved.text

    page = fx_page
    await browser_login(page.context, Town.STAFF)
    await page.goto("/#/mairie/panneaux")
    card = page.locator(f'[data-order-id="{oid}"]')
    await expect(card).to_contain_text("Acceptée")
    await card.get_by_label("Remarque de livraison (facultatif)").fill(NOTE)
    await card.get_by_role("button", name="Marquer comme livrée").click()
    await expect(card).to_contain_text("Livrée le")
    await expect(card).to_contain_text(NOTE)
    row = await SignageOrder.select(SignageOrder.status, SignageOrder.delivery_note).where(SignageOrder.id == oid).first()
    assert row == {"status": "delivered", "delivery_note": NOTE}
    assert not page.errors, page.errors

    await page.context.clear_cookies()
    await browser_login(page.context, Town.REFERENT)
    await page.goto("/#/mairie/panneaux")
    await page.reload()
    card = page.locator(f'[data-order-id="{oid}"]')
    await expect(card).to_contain_text("Livrée le")
    await expect(card).to_contain_text(NOTE)
    await expect(card).to_contain_text("Livraison sous 15 jours.")
    await page.screenshot(path=f"{SHOTS}/mairie-signage-delivered.png", full_page=True)
    await assert_accessible(page, "#/mairie/panneaux (referent, delivered order)")
    assert not page.errors, page.errors
