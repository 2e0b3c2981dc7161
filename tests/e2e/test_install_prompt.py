"""« Installer Vigie sur l'écran d'accueil » on the home screen: Chromium's own prompt where the
browser offers one (beforeinstallprompt), the Safari steps on an iPhone (Web Push works there only
once installed), and nothing in the installed app."""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest
from playwright.async_api import expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import PHONE, Neighbours, browser_login, collect_errors
from tests.e2e.test_screens import OVERFLOW

SHOTS = "/tmp/vigie-screens"
INSTALL = "Installer Vigie sur l'écran d'accueil"
HOME = "Bienvenue dans Les Tilleuls"
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
# What Chromium hands the page: an event the app must keep (preventDefault) and prompt() later.
OFFER_INSTALL = """() => {
  window.promptCalls = 0;
  const event = new Event("beforeinstallprompt", { cancelable: true });
  event.prompt = () => { window.promptCalls += 1; return Promise.resolve(); };
  event.userChoice = Promise.resolve({ outcome: "accepted", platform: "web" });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""
STANDALONE_DISPLAY = """(() => {
  const real = window.matchMedia.bind(window);
  window.matchMedia = (query) => (/display-mode:\\s*standalone/.test(query) ? real("all") : real(query));
})()"""


@pytest.fixture
async def fx_phone(fx_browser: Any, fx_server: Any, fx_neighbours: Neighbours) -> AsyncIterator[Any]:
    """`page = await fx_phone(user_agent=…, standalone=…)`: Odette's phone on her home screen."""
    contexts: list[Any] = []

    async def open_home(user_agent: str | None = None, standalone: bool = False, standalone_display: bool = False) -> Any:
        options = {"user_agent": user_agent} if user_agent else {}
        context = await fx_browser.new_context(base_url=fx_server.url, **PHONE, **options)
        contexts.append(context)
        if standalone:  # what iOS says in an app opened from the home screen
            await context.add_init_script("Object.defineProperty(navigator, 'standalone', { value: true })")
        if standalone_display:  # an Android or desktop app window
            await context.add_init_script(STANDALONE_DISPLAY)
        await browser_login(context, Neighbours.ODETTE)
        page = await context.new_page()
        collect_errors(page)
        await page.goto("/#/")
        await expect(page.get_by_role("heading", name=HOME)).to_be_visible()
        return page

    yield open_home
    for context in contexts:
        await context.close()


async def test_chromium_offer_becomes_our_button_which_opens_the_browser_prompt(fx_phone):
    page = await fx_phone()
    invitation = page.get_by_role("region", name=INSTALL)
    await expect(invitation).to_be_hidden()  # nothing offered yet, not an iPhone: nothing shown
    assert await page.evaluate(OFFER_INSTALL) is True  # kept for our button, no browser mini-infobar
    button = page.get_by_role("button", name=INSTALL)
    await expect(button).to_be_visible()
    await expect(invitation).to_contain_text("même hors ligne")
    await page.screenshot(path=f"{SHOTS}/home-install.png", full_page=True)
    await assert_accessible(page, "home with the install button")
    await button.click()
    await page.wait_for_function("() => window.promptCalls === 1")
    await expect(invitation).to_have_count(0)  # a prompt can be shown once; gone after it
    assert await page.evaluate("window.promptCalls") == 1
    assert not page.errors, page.errors


async def test_the_offer_disappears_once_installed(fx_phone):
    page = await fx_phone()
    await page.evaluate(OFFER_INSTALL)
    await expect(page.get_by_role("button", name=INSTALL)).to_be_visible()
    await page.evaluate("window.dispatchEvent(new Event('appinstalled'))")
    await expect(page.get_by_role("button", name=INSTALL)).to_have_count(0)


async def test_installed_app_in_standalone_mode_shows_no_invitation(fx_phone):
    # Chromium cannot open a headless page in the installed app's window (CDP does not emulate
    # display-mode): the page is told, as there, that "(display-mode: standalone)" matches.
    page = await fx_phone(standalone_display=True)
    assert await page.evaluate("matchMedia('(display-mode: standalone)').matches")
    assert await page.evaluate(OFFER_INSTALL) is True
    await page.wait_for_timeout(300)
    await expect(page.get_by_role("button", name=INSTALL)).to_have_count(0)
    await expect(page.get_by_role("region", name=INSTALL)).to_be_hidden()
    assert not page.errors, page.errors


async def test_iphone_safari_explains_the_share_steps_and_later_hides_them(fx_phone):
    page = await fx_phone(user_agent=IPHONE_SAFARI)
    invitation = page.get_by_role("region", name=INSTALL)
    await expect(invitation).to_be_visible()
    await expect(invitation).to_contain_text("notifications d'alerte n'arrivent que si Vigie est installée")
    steps = invitation.get_by_role("listitem")
    await expect(steps).to_have_count(3)
    await expect(steps.nth(0)).to_contain_text("Partager")
    await expect(steps.nth(1)).to_contain_text("« Sur l'écran d'accueil »")
    await expect(steps.nth(2)).to_contain_text("« Ajouter »")
    await expect(invitation.get_by_role("button", name=INSTALL)).to_have_count(0)  # Safari has no prompt
    await page.screenshot(path=f"{SHOTS}/home-install-iphone.png", full_page=True)
    await assert_accessible(page, "home with the Safari steps")
    await page.set_viewport_size({"width": 195, "height": 422})  # 200 % zoom
    assert await page.evaluate(OVERFLOW) == []
    await page.set_viewport_size(PHONE["viewport"])
    await invitation.get_by_role("button", name="Plus tard").click()
    await expect(invitation).to_have_count(0)
    await page.reload()
    await expect(page.get_by_role("heading", name=HOME)).to_be_visible()
    await expect(page.get_by_role("region", name=INSTALL)).to_be_hidden()  # not asked again for a while
    assert not page.errors, page.errors


async def test_iphone_home_screen_app_shows_no_invitation(fx_phone):
    page = await fx_phone(user_agent=IPHONE_SAFARI, standalone=True)
    await expect(page.get_by_role("heading", name="Dernières alertes")).to_be_visible()
    await expect(page.get_by_role("region", name=INSTALL)).to_be_hidden()
    await expect(page.get_by_text("Sur l'écran d'accueil")).to_have_count(0)


async def test_english_reader_gets_the_invitation_in_english(fx_phone):
    page = await fx_phone(user_agent=IPHONE_SAFARI)
    await page.evaluate("localStorage.setItem('vigie.lang', 'en')")
    await page.reload()
    invitation = page.get_by_role("region", name="Install Vigie on the home screen")
    await expect(invitation).to_be_visible()
    await expect(invitation).to_contain_text("Add to Home Screen")
