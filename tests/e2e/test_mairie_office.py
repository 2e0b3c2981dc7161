"""The mairie and moderation screens on an office laptop (1366×768, issue 14 item 6): the screens
use the width instead of a phone's column, the dashboard's tables fit without sideways scrolling,
and the agent's home names the commune."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences
from tests.e2e.conftest import person_page
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401
from tests.e2e.test_mairie_broadcasts import fill_broadcast
from tests.e2e.test_mairie_screens import some_activity

LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "fr-FR"}

# Each table region of the page that needs sideways scrolling: its name and how far it scrolls.
SIDEWAYS = """() => [...document.querySelectorAll('.table-scroll')]
  .filter((region) => !region.closest('.visually-hidden'))  // the chart's table for screen readers
  .filter((region) => region.scrollWidth > region.clientWidth + 1)
  .map((region) => `${region.getAttribute('aria-label')}: ${region.scrollWidth} > ${region.clientWidth}`)"""


def laptop_page(browser: Any, server: Any, email: str) -> Any:
    """A 1366×768 browser logged in as `email` (console errors fail the test)."""
    return person_page(browser, server, email, LAPTOP)


async def main_width(page: Any) -> float:
    return await page.evaluate("() => document.getElementById('app').getBoundingClientRect().width")


async def test_dashboard_uses_a_laptops_width_and_its_tables_fit(fx_browser, fx_server, fx_town, fx_live_api):
    await some_activity(fx_town, fx_live_api)
    async with laptop_page(fx_browser, fx_server, Town.STAFF) as page:
        await page.goto("/#/mairie/tableau-de-bord")
        await expect(page.get_by_role("heading", name="Tableau de bord", exact=True, level=1)).to_be_visible()
        await expect(page.locator(".loading")).to_have_count(0)
        # communities, forwarded, reach, checks, and the chart's hidden table
        await expect(page.locator(".table-scroll")).to_have_count(5)
        await page.screenshot(path=f"{SHOTS}/mairie-dashboard-laptop.png", full_page=True)
        # Not a 640 px column: the office screens take most of the 1366 px.
        assert await main_width(page) >= 1100
        assert await page.evaluate(SIDEWAYS) == []
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= 1366

        # The moderation screen is an office screen too; a resident's screen keeps its column.
        await page.goto("/#/moderation")
        await expect(page.locator("body.office")).to_have_count(1)
        await page.goto("/#/reglages")
        await expect(page.locator("body.office")).to_have_count(0)
        assert await main_width(page) <= 640


async def test_agents_home_names_the_commune_not_no_neighbourhood(fx_browser, fx_server, fx_town):
    async with laptop_page(fx_browser, fx_server, Town.STAFF) as page:
        await page.goto("/#/")
        await expect(page.get_by_role("heading", name="Bonjour Sophie", level=1)).to_be_visible()
        await expect(page.locator("main .lead").first).to_have_text("Mairie de Bellerive-sur-Loire")
        await expect(page.locator("#community-name")).to_have_text("Bellerive-sur-Loire")
        await expect(page.get_by_text("Aucun quartier")).to_have_count(0)
        await expect(page.get_by_role("link", name="Ouvrir l'espace mairie")).to_be_visible()


async def test_review_before_sending_shows_neighbourhoods_who_is_missed_and_the_cost(fx_browser, fx_server, fx_town):
    # Odette turned e-mail off and has no phone subscribed to notifications: nothing reaches her.
    await delivery.set_preferences(fx_town.users["odette"], Preferences(email=False))
    async with laptop_page(fx_browser, fx_server, Town.STAFF) as page:
        await page.goto("/#/mairie/diffusion")
        await fill_broadcast(page, category="Inondation", severity="Vigilance", title="Crue de la Loire",
                             body="Le niveau monte : évitez les berges et les parkings du quai.")
        await page.get_by_label("SMS", exact=True).check()
        await page.get_by_role("button", name="Vérifier avant l'envoi").click()
        preview = page.locator(".mairie-preview")
        await expect(preview.get_by_role("heading", name="Quartiers concernés")).to_be_visible()
        await expect(preview.locator(".mairie-review-area li")).to_have_text(
            ["Centre-Bourg : 1 personne", "Les Tilleuls : 3 personnes"])
        await expect(preview.get_by_role("heading", name="1 personne ne recevra rien")).to_be_visible()
        await expect(preview.locator('[data-reason="no_device"]')).to_have_text(
            "1 sans téléphone abonné aux notifications")
        await expect(preview.locator('[data-sms-reason="channel_off"]')).to_have_text(
            "SMS : 3 personnes ne les ont pas activés (ou n'ont pas de mobile)")
        # Alice alone takes SMS: 1 or 2 segments at 6 centimes.
        await expect(preview.locator(".mairie-sms-euros")).to_have_text(
            re.compile(r"^Coût estimé : 0,(06|12)\s€ \(0,06\s€ par SMS\)$"))
        sms = preview.locator(".mairie-sms-text")
        await expect(sms).to_contain_text("MAIRIE Bellerive-sur-Loire")
        await expect(sms).to_have_text(re.compile(r"/#/mairie/…$"))
        await expect(sms).not_to_contain_text("9999999")
        await expect(preview).to_contain_text("Le lien vers l'annonce est créé à l'envoi")
        await page.screenshot(path=f"{SHOTS}/mairie-compose-review-laptop.png", full_page=True)
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= 1366
