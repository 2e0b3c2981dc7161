"""French done right on screen (issue 14): « Les nouvelles des Tilleuls » (not « de Les Tilleuls »),
the mairie's SMS budget month in words (not « Budget SMS de 2026-12 »)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from backend.lib.french import de, month_in_words
from tests.e2e.community import Street, fx_street  # noqa: F401
from tests.e2e.conftest import Neighbours, browser_login
from tests.e2e.mairie_town import Town, fx_town  # noqa: F401


async def test_the_gazette_gives_the_news_des_tilleuls(fx_page, fx_street):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/gazette")
    await expect(page.get_by_role("heading", name="La Gazette", exact=True)).to_be_visible()
    await expect(page.get_by_text("Les nouvelles des Tilleuls", exact=False)).to_be_visible()
    assert "de Les Tilleuls" not in await page.locator("main").inner_text()
    # The same rules as the server's (backend/lib/french.py), in the PWA's helper.
    cases = [["de", "Le Bourg", False], ["de", "La Gare", False], ["de", "L'Étang", False], ["de", "Orval", True],
             ["De", "Le Mans", True], ["à", "Les Ulis", True], ["de", "La Rochelle", True], ["de", "avril 2027", False]]
    got = await page.evaluate("""async (cases) => {
        const { withPreposition } = await import("/js/french.js");
        return cases.map(([word, place, proper]) => withPreposition(word, place, proper));
    }""", cases)
    assert got == ["du Bourg", "de la Gare", "de l'Étang", "d'Orval", "Du Mans", "aux Ulis", "de La Rochelle",
                   "d'avril 2027"]
    assert not page.errors, page.errors


async def test_the_mairie_names_the_sms_budget_month_in_words(fx_page, fx_town, fx_live_api):
    staff = await fx_live_api(Town.STAFF)
    budget = await staff.request("GET", f"/api/v1/communes/{fx_town.commune}/sms-budget")
    assert budget.status_code == 200, budget.text
    month = budget.json()["month"]
    assert re.fullmatch(r"\d{4}-\d{2}", month)  # the API keeps the machine key
    page = fx_page
    await browser_login(page.context, Town.STAFF)
    await page.goto("/#/mairie")
    await expect(page.get_by_role("heading", name="Espace mairie", exact=True, level=1)).to_be_visible()
    words = f"Budget SMS {de(month_in_words(month))}"  # « de décembre 2026 », « d'avril 2027 »
    await expect(page.locator(".mairie-budget")).to_contain_text(words)
    assert month not in await page.locator("main").inner_text()
    assert not page.errors, page.errors


async def test_times_are_paris_times_on_a_phone_set_to_another_zone(fx_browser, fx_server, fx_street):
    """A phone set to Montréal time shows an alert of 13:05 UTC at « 14:05 » (Paris, winter), as the SMS and
    e-mails say it — not « 08:05 »; in summer 12:05 UTC is « 14:05 » too."""
    context = await fx_browser.new_context(base_url=fx_server.url, timezone_id="America/Montreal", locale="fr-FR")
    try:
        page = await context.new_page()
        await browser_login(context, Neighbours.ODETTE)
        await page.goto("/#/alertes")
        got = await page.evaluate("""async () => {
            const i18n = await import("/js/i18n.js");
            await i18n.loadLanguage("fr");  // the catalogue may still be on its way when the page has just opened
            const time = await import("/js/time.js");
            return [time.clockTime("2026-12-02T13:05:00Z"), time.clockTime("2027-07-14T12:05:00Z"),
                    time.longDateTime("2026-12-31T23:30:00Z"), new Date("2026-12-02T13:05:00Z").getHours()];
        }""")
        assert got[3] == 8  # the device really is in Montréal time
        assert got[0] == "14:05" and got[1] == "14:05", got
        assert got[2] == "vendredi 1 janvier 2027 à 00:30", got  # New Year already in Paris
    finally:
        await context.close()
