"""Every new screen at phone size (screenshots in /tmp/vigie-screens to look at) and at 200 %
zoom (a 195 px wide viewport): nothing may need sideways scrolling, except inside a table."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import Neighbours, browser_login

SHOTS = "/tmp/vigie-screens"
OVERFLOW = """() => [...document.querySelectorAll("main *, header *, nav *")]
    .filter((el) => !el.closest(".table-scroll") && el.getBoundingClientRect().right > innerWidth + 1)
    .map((el) => el.tagName + "." + el.className + ": " + (el.textContent || "").slice(0, 40))"""


async def test_new_screens_fit_a_phone_and_200_percent_zoom(fx_page, fx_neighbours, fx_live_api):
    page = fx_page
    alice = await fx_live_api(Neighbours.ALICE)
    urgent = await alice.post_alert(fx_neighbours.community, "key-screens-0001", category="burglary_in_progress",
                                    title="Cambriolage en cours au 8 impasse des Roses", place="8 impasse des Roses")
    await alice.post_alert(fx_neighbours.community, "key-screens-0002", title="Camionnette blanche sans plaque")
    await browser_login(page.context, Neighbours.ODETTE)
    screens = {
        "home": ("/#/", "Bienvenue dans Les Tilleuls"),
        "alerts": ("/#/alertes", "Alertes"),
        "alert-new": ("/#/alertes/nouvelle", "Donner l'alerte"),
        "alert-detail": (f"/#/alertes/{urgent['id']}", "Cambriolage en cours au 8 impasse des Roses"),
        "settings": ("/#/reglages", "Réglages"),
    }
    for name, (path, heading) in screens.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await page.wait_for_load_state("load")
        await page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    await expect(page.get_by_role("button", name="Activer les notifications sur cet appareil")).to_be_visible()

    await page.set_viewport_size({"width": 195, "height": 422})
    for name, (path, heading) in screens.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert await page.evaluate(OVERFLOW) == [], name
    await page.screenshot(path=f"{SHOTS}/settings-zoom200.png", full_page=True)
    assert not page.errors, page.errors
