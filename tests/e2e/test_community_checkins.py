"""Veille solidaire in Chromium: a member sets up a check-in with two neighbours, one accepts in
the app (the other through the API), and « Je vais bien » records the check-in."""

from __future__ import annotations

from playwright.async_api import expect

from backend.solidarity.tables import Checkin, CheckinRound
from tests.e2e.community import SHOTS, Street, fx_street  # noqa: F401
from tests.e2e.conftest import LiveApi, Neighbours, browser_login, person_page


async def test_set_up_accept_and_je_vais_bien_records_the_check_in(fx_page, fx_browser, fx_server, fx_street,
                                                                  fx_live_api):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/")
    await page.get_by_role("link", name="Veille solidaire").click()
    await expect(page.get_by_role("heading", name="Veille solidaire", exact=True)).to_be_visible()
    await page.get_by_role("link", name="Mettre en place ma veille").click()
    await expect(page.get_by_text("12 rue des Tilleuls")).to_be_visible()  # the address the watchers get
    await page.get_by_label("À quelle heure ?").fill("10:30")
    await page.get_by_label("Un mot pour les voisins qui veillent (facultatif)").fill("Clés chez Alice.")
    await page.get_by_label("Alice Martin").check()
    await page.get_by_role("button", name="Mettre en place la veille").click()
    await expect(page.get_by_text("Choisissez au moins 2 voisins.", exact=True)).to_be_visible()
    await page.get_by_label("Bruno Petit").check()
    await page.screenshot(path=f"{SHOTS}/checkins-new.png", full_page=True)
    await page.get_by_role("button", name="Mettre en place la veille").click()
    await expect(page.get_by_text("La veille est enregistrée.")).to_be_visible()
    await expect(page.get_by_text("La veille commencera quand 2 voisins auront accepté (0 pour l'instant).")).to_be_visible()
    checkin = await Checkin.select(Checkin.id, Checkin.check_time, Checkin.note).first()
    assert (str(checkin["check_time"])[:5], checkin["note"]) == ("10:30", "Clés chez Alice.")

    # Alice accepts in her app; Bruno through the API.
    async with person_page(fx_browser, fx_server, Neighbours.ALICE) as alice:
        await alice.goto("/#/veille")
        invitation = alice.locator(f'[data-checkin-id="{checkin["id"]}"]')
        await expect(invitation).to_contain_text("Veiller sur Odette Lambert ?")
        await alice.screenshot(path=f"{SHOTS}/checkins-invitation.png", full_page=True)
        await invitation.get_by_role("button", name="J'accepte de veiller").click()
        await expect(alice.get_by_text("Merci ! Vous veillez maintenant sur Odette Lambert.")).to_be_visible()
        await expect(alice.locator(f'[data-checkin-id="{checkin["id"]}"]')).to_contain_text("Odette Lambert")
        assert not alice.errors, alice.errors
    bruno: LiveApi = await fx_live_api(Street.BRUNO)
    accepted = await bruno.request("POST", f"/api/v1/solidarity/checkins/{checkin['id']}/invitation/accept")
    assert accepted.status_code == 200, accepted.text

    await page.get_by_role("link", name="Retour à la veille solidaire").click()
    fine = page.get_by_role("button", name="Je vais bien")
    await expect(fine).to_be_visible()
    await expect(page.get_by_text("Alice Martin — veille sur vous")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/checkins-person.png", full_page=True)
    assert await CheckinRound.count() == 0
    await fine.click()
    await expect(page.get_by_text("Merci ! C'est noté")).to_be_visible()
    rounds = await CheckinRound.select(CheckinRound.state, CheckinRound.checked_in_at).where(
        CheckinRound.checkin == checkin["id"])
    assert len(rounds) == 1 and rounds[0]["state"] == "checked_in" and rounds[0]["checked_in_at"] is not None
    odette = await fx_live_api(Neighbours.ODETTE)
    detail = (await odette.request("GET", f"/api/v1/solidarity/checkins/{checkin['id']}")).json()
    assert detail["status"] == "active" and detail["current"]["state"] == "checked_in"
    await expect(page.get_by_text("Aujourd'hui, c'est noté à")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/checkins-person-done.png", full_page=True)
    assert not page.errors, page.errors
