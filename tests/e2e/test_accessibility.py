"""axe-core at zero critical/serious violations on the screens of a visitor, a member, a moderator
and the mairie staff (the install invitations run it in tests/e2e/test_install_prompt.py)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.a11y import assert_accessible, serious_violations
from tests.e2e.conftest import Neighbours, browser_login
from tests.e2e.mairie_town import Town, fx_town  # noqa: F401 (fixture)

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
# Every other screen a member or a moderator reaches by a fixed path: its <h1>, then axe.
MORE_MEMBER = ["/#/gazette/nouveau", "/#/profil", "/#/messages", "/#/messages/nouveau", "/#/veille",
               "/#/veille/nouvelle", "/#/veille/quartier", "/#/quartiers", "/#/reinitialiser", "/#/nulle-part"]
STAFF = ["/#/", "/#/mairie", "/#/mairie/diffusion", "/#/mairie/diffusions", "/#/mairie/verification",
         "/#/mairie/tableau-de-bord", "/#/mairie/signalements", "/#/mairie/panneaux", "/#/quartiers/perimetre",
         "/#/mairie/organisation"]
MODERATOR = ["/#/", "/#/moderation", "/#/moderation/courriers", "/#/moderation/signalements", "/#/alertes/{alert}",
             "/#/annuaire/{member}"]


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
    await each_screen_is_accessible(page, MORE_MEMBER)
    assert not page.errors, page.errors


async def each_screen_is_accessible(page, paths: list[str]) -> None:
    failures = []
    for path in paths:
        await page.goto(path)
        await expect(page.locator("main h1").first).to_be_visible()
        await page.wait_for_load_state("networkidle")
        failures += [f"{path} {line}" for line in await serious_violations(page)]
    assert not failures, "\n".join(failures)


async def test_moderator_screens_have_no_serious_accessibility_violation(fx_page, fx_neighbours, fx_live_api):
    alice = await fx_live_api(Neighbours.ALICE)
    alert = await alice.post_alert(fx_neighbours.community, "key-a11y-0001")
    page = fx_page
    await browser_login(page.context, Neighbours.MODERATOR)
    await page.goto("/#/")
    await page.reload()
    await each_screen_is_accessible(page, [p.format(alert=alert["id"], member=fx_neighbours.alice) for p in MODERATOR])
    assert not page.errors, page.errors


async def test_mairie_staff_screens_have_no_serious_accessibility_violation(fx_page, fx_town):
    page = fx_page
    await browser_login(page.context, Town.STAFF)
    await page.goto("/#/")
    await page.reload()
    await each_screen_is_accessible(page, STAFF)
    assert not page.errors, page.errors
