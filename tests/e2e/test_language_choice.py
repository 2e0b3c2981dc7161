"""The language chosen in « Réglages » is the account's too (User.locale): the member's
notifications, letters and the server's messages follow it (issue 14 item 4)."""

from __future__ import annotations

from playwright.async_api import expect

from backend.auth.tables import User
from tests.e2e.conftest import Neighbours, browser_login, wait_until


async def locale_of(user_id: int) -> str:
    return (await User.select(User.locale).where(User.id == user_id).first())["locale"]


async def test_choosing_english_in_the_settings_saves_it_to_the_account(fx_page, fx_neighbours):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/reglages")
    assert await locale_of(fx_neighbours.odette) == "fr"
    async with page.expect_response("**/api/v1/auth/locale") as response:
        await page.get_by_label("English").check()
    assert (await response.value).status == 204
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert await locale_of(fx_neighbours.odette) == "en"
    await page.get_by_label("Français").check()
    await wait_until(lambda: _is(fx_neighbours.odette, "fr"), what="locale back to fr")
    assert not page.errors, page.errors


async def _is(user_id: int, locale: str) -> bool:
    return await locale_of(user_id) == locale


async def test_a_device_where_nobody_chose_a_language_speaks_the_accounts(fx_page, fx_neighbours):
    page = fx_page
    await User.update({User.locale: "en"}).where(User.id == fx_neighbours.odette)
    await browser_login(page.context, Neighbours.ODETTE)  # a French browser, no choice stored
    await page.goto("/#/reglages")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_label("English")).to_be_checked()
    # a choice made on this device wins over the account's on the next start
    async with page.expect_response("**/api/v1/auth/locale"):
        await page.get_by_label("Français").check()
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert await locale_of(fx_neighbours.odette) == "fr"
    assert not page.errors, page.errors
