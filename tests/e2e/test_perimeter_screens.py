"""Community perimeters in Chromium: a referent lists the streets of the community, a neighbour of
a listed street joins at once from « Mes quartiers », a join in another commune and a sign-up whose
postal code is not the community's are refused with the server's French reason; the moderators'
letters screen shows the count per address before printing."""

from __future__ import annotations

from playwright.async_api import expect

from tests.builders import build_world
from tests.e2e.conftest import browser_login, person_page


async def test_referent_lists_streets_and_a_neighbour_joins_at_once(fx_page, fx_browser, fx_server, fx_password_hash):
    w = await build_world(fx_password_hash)
    # The referent of Les Tilleuls narrows it to two streets.
    async with person_page(fx_browser, fx_server, w.email("referent")) as page:
        await page.goto("/#/quartiers")
        await page.get_by_role("link", name="Modifier le périmètre").click()
        await expect(page.get_by_text("Ce quartier couvre toute la commune de Bellerive-sur-Loire.")).to_be_visible()
        await page.get_by_label("Rues (une par ligne)").fill("R. des Tilleuls\nAllée du Moulin")
        await page.get_by_role("button", name="Enregistrer le périmètre").click()
        await expect(page.get_by_text("Périmètre enregistré.")).to_be_visible()
        await expect(page.get_by_text("Ce quartier couvre 2 rue(s) listée(s)")).to_be_visible()
        assert not page.errors, page.errors
    # The other member (Centre-Bourg, 12 rue des Tilleuls) joins Les Tilleuls from « Mes quartiers ».
    page = fx_page
    await browser_login(page.context, w.email("other_member"))
    await page.goto("/#/quartiers")
    join = page.locator("form", has=page.get_by_role("button", name="Rejoindre ce quartier"))
    await join.get_by_label("Rechercher votre quartier (code postal ou commune)").fill("Tilleuls")
    await expect(join.get_by_text("Rues : R. des Tilleuls, Allée du Moulin")).to_be_visible()
    await join.get_by_text("Les Tilleuls").first.click()
    await join.get_by_role("button", name="Rejoindre ce quartier").click()
    await expect(page.get_by_text("C'est fait : vous faites partie de ce quartier.")).to_be_visible()
    await expect(page.locator("li", has_text="Les Tilleuls").first).to_contain_text("membre")
    # Montval is another commune: refused with the server's French reason.
    await join.get_by_label("Rechercher votre quartier (code postal ou commune)").fill("45200")
    await join.get_by_text("Les Hauts de Montval").first.click()
    await join.get_by_role("button", name="Rejoindre ce quartier").click()
    await expect(join.get_by_role("alert")).to_contain_text("ne correspond pas au code postal 45100")
    assert not page.errors, page.errors


async def test_signup_with_another_communes_postal_code_is_refused_in_french(fx_page, fx_password_hash):
    w = await build_world(fx_password_hash)
    page = fx_page
    await page.goto("/#/inscription")
    await page.get_by_label("Prénom").fill("Odette")
    await page.get_by_label("Nom", exact=True).fill("Lambert")
    await page.get_by_label("Adresse e-mail").fill("odette@example.fr")
    await page.get_by_label("Téléphone portable").fill("06 12 34 56 78")
    await page.get_by_label("Adresse", exact=True).fill("4 rue des Lilas")
    await page.get_by_label("Ville", exact=True).fill("Paris")
    await page.get_by_label("Code postal", exact=True).fill("75011")
    await page.get_by_label("Mot de passe", exact=True).fill("un-mot-de-passe-long")
    await page.get_by_label("Rechercher votre quartier (code postal ou commune)").fill("45100")
    await page.get_by_text("Les Tilleuls").first.click()
    await page.get_by_role("button", name="Créer mon compte").click()
    await expect(page.get_by_role("alert").filter(has_text="Les Tilleuls")).to_contain_text(
        "il ne correspond pas au code postal 75011 de votre adresse")
    assert "#/inscription" in page.url
    assert w.community  # nothing was created: the API test checks the database


async def test_moderators_see_letters_per_address_before_printing(fx_page, fx_password_hash):
    w = await build_world(fx_password_hash)  # "unverified" has a letter waiting, 12 rue des Tilleuls
    page = fx_page
    await browser_login(page.context, w.email("moderator"))
    await page.goto("/#/moderation")
    await page.get_by_role("link", name="Courriers d'activation à imprimer").click()
    await expect(page.get_by_text("1 courrier à imprimer.")).to_be_visible()
    await expect(page.get_by_text("12 rue des Tilleuls, 45100 Bellerive-sur-Loire")).to_be_visible()
    await expect(page.get_by_text("À cette adresse : 1 en route, 1 sur 30 jours")).to_be_visible()
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Imprimer les courriers (PDF)").click()
    assert (await download.value).suggested_filename == "vigie-courriers.pdf"
    await expect(page.get_by_text("1 courrier imprimé.")).to_be_visible()
    await expect(page.get_by_text("0 courrier à imprimer.")).to_be_visible()
    assert "null" not in await page.locator("main").inner_text()  # the empty list was printed « null »
    assert not page.errors, page.errors


async def test_mairie_staff_reach_the_perimeters_from_their_home(fx_page, fx_password_hash):
    w = await build_world(fx_password_hash)
    page = fx_page
    await browser_login(page.context, w.email("staff"))
    await page.goto("/#/mairie")
    await page.get_by_role("link", name="Périmètres des quartiers").click()
    staff = page.locator("section", has_text="Périmètres des quartiers de la commune")
    await staff.locator("li", has_text="Centre-Bourg").get_by_role("link", name="Modifier le périmètre").click()
    await expect(page.get_by_text("Ce quartier couvre toute la commune de Bellerive-sur-Loire.")).to_be_visible()
    await page.get_by_role("checkbox", name="45100", exact=True).check()
    await page.get_by_role("button", name="Enregistrer le périmètre").click()
    await expect(page.get_by_text("Périmètre enregistré.")).to_be_visible()
    await expect(page.get_by_text("Ce quartier couvre 0 rue(s) listée(s) et les codes postaux : 45100.")).to_be_visible()
    assert not page.errors, page.errors
