"""The directory of a big neighbourhood in Chromium: a first page of 30 by name, « Voir plus »
for the next ones, and a search that asks the server (it finds a neighbour on no page loaded
yet, accents aside); axe clean."""

from __future__ import annotations

from playwright.async_api import expect

from backend.demo import make_user
from tests.e2e.a11y import assert_accessible
from tests.e2e.community import SHOTS, Street, fx_street  # noqa: F401
from tests.e2e.conftest import Neighbours, browser_login

MORE = 296  # + Alice, Odette, Jeanne, Bruno and Éloïse: 301 in the directory


async def test_a_few_hundred_neighbours_by_pages_and_searched_on_the_server(fx_page, fx_street, fx_live_api,
                                                                             fx_password_hash):
    page = fx_page
    n = fx_street.n
    for i in range(MORE):
        await make_user(f"v{i:03d}@test.vigie.fr", f"Prénom{i:03d}", f"Dupuis{i:03d}", password_hash=fx_password_hash,
                        phone=f"+336120{i:05d}", community_id=n.community, address_line1=f"{i + 1} rue des Lilas")
    await make_user("eloise@test.vigie.fr", "Éloïse", "Zyva-Œillet", password_hash=fx_password_hash,
                    phone="+33612099999", community_id=n.community, address_line1="2 impasse du Moulin")
    whole = (await (await fx_live_api(Neighbours.ALICE)).request(
        "GET", f"/api/v1/communities/{n.community}/directory")).json()
    assert len(whole) == MORE + 5 and whole[-1]["name"] == "Éloïse Zyva-Œillet"  # the last by name
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/directory/page" in r.url else None)

    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/annuaire")
    cards = page.locator("[data-user-id]")
    await expect(cards).to_have_count(30)
    await expect(page.get_by_role("status").filter(has_text="voisins dans l'annuaire")).to_have_text(
        f"{MORE + 5} voisins dans l'annuaire.")
    assert await cards.evaluate_all("(cards) => cards.map((c) => Number(c.dataset.userId))") == [
        e["user_id"] for e in whole[:30]]
    await assert_accessible(page, "directory, first page")

    more = page.get_by_role("button", name="Voir plus")
    await more.click()
    await expect(cards).to_have_count(60)
    await expect(cards.nth(30)).to_contain_text(whole[30]["name"])
    await more.click()
    await expect(cards).to_have_count(90)
    await page.screenshot(path=f"{SHOTS}/directory-pages.png", full_page=True)

    search = page.get_by_label("Chercher un voisin")
    await search.fill("oeillet eloise")  # on no page loaded yet, and written without accents
    await expect(cards).to_have_count(1)
    await expect(cards).to_contain_text("Éloïse Zyva-Œillet")
    await expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("1 voisin trouvé.")
    await expect(more).to_be_hidden()
    assert any("q=oeillet+eloise" in url for url in asked), asked  # the server searched

    await search.fill("dupuis01")  # Dupuis010–019: ten, on one page
    await expect(cards).to_have_count(10)
    await expect(page.get_by_role("status").filter(has_text="trouvés")).to_have_text("10 voisins trouvés.")
    await search.fill("")
    await expect(cards).to_have_count(30)
    await expect(more).to_be_visible()
    await assert_accessible(page, "directory, after a search")
    assert not page.errors, page.errors
