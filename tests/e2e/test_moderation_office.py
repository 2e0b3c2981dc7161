"""A moderator at work on a laptop (issue 14 item 6d): after a decision the list stays where it
was and the next alert has the focus; « Annuler » stays offered for a few seconds, and nothing is
sent before the delay ends (an undone decision never reaches the server, so no notice and no
fan-out of an approved alert); leaving the screen sends a decision still waiting.

The page's clock is Playwright's (`page.clock`): the undo delay's 6 s pass at once (`run_for`, which
fires every timer due meanwhile, as they would have fired), so the test does not wait them out in real
time (14.5 -> 3.9 s on SQLite). Its time still flows on its own otherwise, and every check that nothing
reached the server still leaves the request a real second to land, as the real-time waits did."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import expect

from backend.alerts.tables import Alert
from backend.lib import clock
from tests.e2e.conftest import Neighbours, fx_neighbours  # noqa: F401
from tests.e2e.test_mairie_office import laptop_page

COUNT = 8


async def pending_alerts(n: Neighbours) -> list[int]:
    ids = []
    for i in range(COUNT):
        rows = await Alert.insert(Alert(community=n.community, author=n.alice, category="suspicious_vehicle",
                                        title=f"Camionnette numéro {i}", body="Une camionnette tourne dans la rue.",
                                        moderation="pending", created_at=clock.now())).returning(Alert.id)
        ids.append(rows[0]["id"])
    return ids  # the screen lists the newest first


async def moderation_of(alert_id: int) -> str:
    return (await Alert.select(Alert.moderation).where(Alert.id == alert_id).first())["moderation"]


async def wait_moderation(alert_id: int, expected: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while await moderation_of(alert_id) != expected:
        assert time.monotonic() < deadline, f"alert {alert_id} never became {expected}"
        await asyncio.sleep(0.2)


async def test_moderator_keeps_the_place_and_can_undo_before_anything_is_sent(fx_browser, fx_server, fx_neighbours):
    ids = await pending_alerts(fx_neighbours)
    shown = list(reversed(ids))  # newest first
    async with laptop_page(fx_browser, fx_server, Neighbours.MODERATOR) as page:
        await page.clock.install()  # the page's timers from now on: the undo delay's among them
        await page.goto("/#/moderation")
        cards = page.locator(".alert-list > *")
        await expect(cards).to_have_count(COUNT)
        # Down the list: the fourth alert at the top of the window.
        fourth, fifth = cards.nth(3), cards.nth(4)
        await fourth.evaluate("(card) => window.scrollTo(0, card.getBoundingClientRect().top + window.scrollY - 80)")
        assert await page.evaluate("() => window.scrollY") > 300
        place = (await fourth.bounding_box())["y"]

        await fourth.get_by_role("button", name="Approuver").click()
        await expect(fourth).to_be_hidden()
        # The next alert took its place on the screen and has the focus.
        await expect(fifth.get_by_role("button", name="Approuver")).to_be_focused()
        assert abs((await fifth.bounding_box())["y"] - place) <= 2
        bar = page.locator(f'.undo-bar[data-alert-id="{shown[3]}"]')
        await expect(bar).to_contain_text("« Camionnette numéro 4 » : approuvée dans quelques secondes.")
        await expect(bar.get_by_role("button", name="Annuler")).to_be_visible()

        # Undone within the delay: the alert is back in its place, and nothing reached the server.
        await bar.get_by_role("button", name="Annuler").click()
        await expect(fourth).to_be_visible()
        await expect(fourth.get_by_role("button", name="Approuver")).to_be_focused()
        await expect(page.get_by_text("Action annulée : rien n'a été envoyé.")).to_be_visible()
        await expect(bar).to_have_count(0)
        await page.clock.run_for(7000)  # past the delay: its timer would have fired (it was cleared)
        await asyncio.sleep(1)  # a request it had sent would have landed
        assert await moderation_of(shown[3]) == "pending"

        # Hidden with a reason, not undone: sent once the delay is over, not before.
        await fifth.get_by_role("button", name="Masquer").click()
        await fifth.get_by_label("Raison").fill("Plaque d'immatriculation visible")
        await fifth.get_by_role("button", name="Masquer l'alerte").click()
        await expect(fifth).to_be_hidden()
        await expect(cards.nth(5).get_by_role("button", name="Approuver")).to_be_focused()
        await page.clock.run_for(1000)  # with the real second below, 2 s of the delay pass, as before
        await asyncio.sleep(1)  # a request sent in the first second would have landed
        assert await moderation_of(shown[4]) == "pending"  # still in its undo delay
        await page.clock.run_for(5000)  # the delay is over
        await wait_moderation(shown[4], "hidden")
        await expect(cards).to_have_count(COUNT - 1)
        await expect(page.locator(".undo-bar")).to_have_count(0)

        # Leaving the screen during the delay sends the decision (it was taken).
        await cards.first.get_by_role("button", name="Approuver").click()
        await page.goto("/#/reglages")
        await wait_moderation(shown[0], "approved", timeout=5)
        assert not page.errors, page.errors
