"""The register in Chromium: an agent keys in Odette's paper form and opens a heatwave episode;
the question reaches Odette's « Registre » screen, she taps « Tout va bien » and the staff's
episode board follows live. The new screens pass axe."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from backend.lib import clock
from backend.register.episodes import local_day, run_episodes
from backend.register.tables import EpisodeCheck
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import browser_login, person_page
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401


def count(page, key: str):
    return page.locator(f'[data-count="{key}"] .mairie-figure-value')


async def test_staff_board_follows_the_persons_answer_live(fx_page, fx_browser, fx_server, fx_town, fx_live_api):
    staff_api = await fx_live_api(Town.STAFF)
    r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/register", json={
        "community_id": fx_town.tilleuls, "first_name": "Odette", "last_name": "Lambert",
        "address": "4 rue des Lilas, 45100 Bellerive-sur-Loire", "phone": "+33612000001", "channel": "app",
        "consent": {"method": "ecrit"}})
    assert r.status_code == 201 and r.json()["has_account"], r.text
    today = local_day(clock.now())
    r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/episodes", json={
        "kind": "canicule", "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=2)).isoformat(),
        "check_time": "00:00"})
    assert r.status_code == 201, r.text
    await run_episodes({}, clock.now())  # today's question, here (the live server's worker may be first: same result)
    assert await EpisodeCheck.count() == 1

    staff = fx_page
    await browser_login(staff.context, Town.STAFF)
    await staff.goto("/#/mairie/episodes")
    await expect(staff.get_by_role("heading", name="Canicule", exact=False).first).to_be_visible(timeout=20_000)
    await expect(count(staff, "total")).to_have_text("1")
    await expect(count(staff, "waiting")).to_have_text("1")
    row = staff.locator(".register-board .mairie-resident").filter(has_text="Odette Lambert")
    await expect(row.locator(".register-state")).to_have_text("En attente")
    await assert_accessible(staff, "mairie episodes")

    async with person_page(fx_browser, fx_server, Town.ODETTE) as odette:
        await odette.goto("/#/registre")
        card = odette.locator(".register-question")
        await expect(card.get_by_role("heading", name="Tout va bien ?")).to_be_visible(timeout=20_000)
        await assert_accessible(odette, "register (person)")
        await odette.screenshot(path=f"{SHOTS}/register-person.png", full_page=True)
        await card.get_by_role("button", name="Tout va bien", exact=True).click()
        await expect(card.get_by_text("Merci, c'est noté : tout va bien.")).to_be_visible(timeout=15_000)
        assert not odette.errors, odette.errors

    # The staff's board, without a reload.
    await expect(count(staff, "ok")).to_have_text("1", timeout=15_000)
    await expect(count(staff, "waiting")).to_have_text("0")
    await expect(row.locator(".register-state")).to_have_text("Tout va bien", timeout=15_000)
    await expect(row).to_contain_text("Réponse dans l'application")
    await staff.screenshot(path=f"{SHOTS}/register-board.png", full_page=True)

    await staff.goto("/#/mairie/registre")
    await expect(staff.locator(".register-entry").filter(has_text="Odette Lambert")).to_contain_text("Inscrit(e)",
                                                                                               timeout=20_000)
    await assert_accessible(staff, "mairie register")
    assert not staff.errors, staff.errors
