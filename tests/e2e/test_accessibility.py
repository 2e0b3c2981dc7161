"""axe-core at zero critical/serious violations on the main screens, as a visitor and as a member
(the new screens run it in their own tests: tests/e2e/test_install_prompt.py)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.a11y import assert_accessible, serious_violations
from tests.e2e.conftest import Neighbours, browser_login

VISITOR = {
    "login": ("/#/connexion", "Connexion"),
    "signup": ("/#/inscription", "Créer mon compte"),
    "forgot": ("/#/mot-de-passe-oublie", "Mot de passe oublié"),
}
MEMBER = {
    "home": ("/#/", "Bienvenue dans Les Tilleuls"),
    "alerts": ("/#/alertes", "Alertes"),
    "alert-new": ("/#/alertes/nouvelle", "Donner l'alerte"),
    "gazette": ("/#/gazette", "La Gazette"),
    "directory": ("/#/annuaire", "L'annuaire"),
    "settings": ("/#/reglages", "Réglages"),
}


async def test_axe_finds_a_nameless_button(fx_page):
    """The check itself works here (axe is injected past the CSP and reports)."""
    page = fx_page
    await page.goto("/#/connexion")
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    await page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    assert any(line.startswith("button-name") for line in await serious_violations(page))


async def test_main_screens_have_no_serious_accessibility_violation(fx_page, fx_neighbours):
    page = fx_page
    for name, (path, heading) in VISITOR.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await assert_accessible(page, name)
    await browser_login(page.context, Neighbours.ODETTE)
    await page.reload()  # the app reads who is logged in at start
    for name, (path, heading) in MEMBER.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await page.wait_for_load_state("networkidle")
        await assert_accessible(page, name)
    assert not page.errors, page.errors
