"""The public pages in Chromium with no session (issue 15): the map of communes, searchable, leading to
sign-up in one's commune, and « Vigie en chiffres »; both axe clean."""

from __future__ import annotations

from datetime import datetime, timezone

from playwright.async_api import expect

from backend.communities.official import import_communes
from backend.communities.tables import Commune
from backend.demo import make_commune, make_community
from backend.lib import clock
from backend.lib.french import month_in_words
from backend.open.service import month_start
from tests.builders import add_members, build_world
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import collect_errors
from tests.e2e.mairie_town import SHOTS
from tests.e2e.test_zoom_200 import ZOOM_200, walk


async def test_anyone_finds_their_commune_on_the_map_and_reaches_sign_up(fx_page, fx_settings, fx_password_hash):
    await build_world(fx_password_hash)  # Bellerive-sur-Loire (45, staff on Vigie): 2 neighbourhoods, 3 members
    lille = await make_commune("Lille", "59350", "59000,59800")
    await add_members(fx_password_hash, await make_community(lille, "Vieux-Lille", lat=50.64, lon=3.06), 13)
    page = fx_page
    await page.goto("/#/carte")
    await expect(page.get_by_role("heading", name="Où trouver Vigie", level=1)).to_be_visible()
    # The map is drawn from the outlines shipped with the app: 96 départements, 2 with Vigie, a point per commune.
    await expect(page.locator("svg.open-map path.open-dep")).to_have_count(96)
    await expect(page.locator("svg.open-map path.open-dep--vigie")).to_have_count(2)
    await expect(page.locator("svg.open-map circle.open-point")).to_have_count(3)
    await expect(page.get_by_role("img", name="Carte de France des départements : 3 communes avec Vigie, marquées d'un point.")).to_be_visible()
    await expect(page.locator(".open-commune")).to_have_count(3)

    search = page.get_by_label("Nom de la commune ou code postal")
    await search.fill("59800")
    await expect(page.locator(".open-commune")).to_have_count(1)
    lille_item = page.locator(".open-commune")
    await expect(lille_item.get_by_role("heading", name="Lille")).to_be_visible()
    await expect(lille_item).to_contain_text("Nord (59)")
    await expect(lille_item).to_contain_text("environ 15 membres")
    await expect(lille_item).to_contain_text("La mairie ne participe pas encore")
    await search.fill("bellerive")
    bellerive = page.locator(".open-commune")
    await expect(bellerive).to_have_count(1)
    await expect(bellerive).to_contain_text("2 quartiers")
    await expect(bellerive).to_contain_text("moins de 5 membres")
    await expect(bellerive).to_contain_text("La mairie participe")
    assert "Test" not in await page.locator("main").inner_text()  # no person's name
    await page.get_by_role("button", name="Nord (59) — 1 commune").click()
    await expect(page.locator(".open-commune")).to_have_count(1)
    await expect(page.locator(".open-count")).to_have_text("Nord : 1 commune")
    await assert_accessible(page, "#/carte")
    await page.screenshot(path=f"{SHOTS}/open-map.png", full_page=True)

    await search.fill("Bellerive")
    await page.get_by_role("link", name="M'inscrire à Bellerive-sur-Loire").click()
    await expect(page.get_by_role("heading", name="Créer mon compte", level=1)).to_be_visible()
    await expect(page.get_by_label("Ville")).to_have_value("Bellerive-sur-Loire")
    await expect(page.get_by_text("Les Tilleuls").first).to_be_visible()  # its neighbourhoods, proposed
    assert not [c for c in await page.context.cookies() if c["name"] == "session"]
    assert not page.errors, page.errors


async def test_the_map_says_since_when_a_mairie_takes_part(fx_page, fx_settings, fx_password_hash):
    await build_world(fx_password_hash)
    lille = await make_commune("Lille", "59350", "59000,59800")
    await make_community(lille, "Vieux-Lille", lat=50.64, lon=3.06)
    # Joined at 0:30 on 2 December, Paris time (still the 1st in UTC), through an approved application.
    await Commune.update({Commune.mairie_joined_at: datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)}).where(
        Commune.id == lille)
    page = fx_page
    await page.goto("/#/carte")
    await page.get_by_label("Nom de la commune ou code postal").fill("lille")
    item = page.locator(".open-commune")
    await expect(item).to_have_count(1)
    await expect(item.locator(".open-mairie")).to_have_text("Mairie participante depuis le 2 décembre 2026")
    await expect(page.locator("svg.open-map circle.open-point--mairie")).to_have_count(3)  # with Bellerive, Montval
    await assert_accessible(page, "#/carte, a mairie that joined")
    assert not page.errors, page.errors


async def test_anyone_reads_vigie_en_chiffres(fx_page, fx_settings, fx_password_hash):
    await build_world(fx_password_hash)  # 3 active members, 3 communities in 2 communes, 2 mairies, 1 alert
    page = fx_page
    await page.goto("/#/connexion")
    await page.get_by_role("link", name="Vigie en chiffres").click()
    await expect(page.get_by_role("heading", name="Vigie en chiffres", level=1)).to_be_visible()
    figures = page.locator(".open-figure")
    await expect(figures.filter(has_text="membres vérifiés")).to_contain_text("moins de 5")
    await expect(figures.filter(has_text="quartiers")).to_contain_text("3")
    await expect(figures.filter(has_text="mairies partenaires")).to_contain_text("2")
    month = month_in_words(month_start(clock.now()).strftime("%Y-%m"))
    await expect(page.get_by_role("heading", name=f"Alertes en {month}")).to_be_visible()
    await expect(page.locator(".open-row").filter(has_text="Véhicule suspect")).to_have_text("Véhicule suspect1")
    await expect(page.locator(".open-total")).to_have_text("Total1")
    await expect(page.get_by_role("heading", name=f"Entraide en {month}")).to_be_visible()
    await assert_accessible(page, "#/chiffres")
    await page.screenshot(path=f"{SHOTS}/open-stats.png", full_page=True)
    await page.get_by_role("link", name="Où trouver Vigie : la carte des communes").click()
    await expect(page.get_by_role("heading", name="Où trouver Vigie", level=1)).to_be_visible()
    assert not page.errors, page.errors


async def test_sign_up_says_when_a_commune_of_the_official_list_has_no_vigie_yet(fx_page, fx_settings, fx_password_hash):
    await build_world(fx_password_hash)
    await import_communes(only={"45234", "59350"})  # Orléans, Lille: in the official list, no neighbourhood
    page = fx_page
    await page.goto("/#/inscription")
    await expect(page.get_by_role("heading", name="Créer mon compte", level=1)).to_be_visible()
    search = page.get_by_label("Rechercher votre quartier (code postal ou commune)")
    await search.fill("Orléans")
    await search.press("Enter")
    await expect(page.locator(".picker-not-yet")).to_have_text(
        "Pas encore de quartier Vigie à : Orléans (45). Voyez sur la carte les communes les plus proches, "
        "ou parlez-en à votre mairie.")
    await expect(page.get_by_role("link", name="Où trouver Vigie : la carte des communes")).to_be_visible()
    await search.fill("Bellerive")
    await search.press("Enter")
    await expect(page.get_by_text("Les Tilleuls").first).to_be_visible()
    await expect(page.locator(".picker-not-yet")).to_have_count(0)
    await assert_accessible(page, "#/inscription")
    assert not page.errors, page.errors


async def test_the_public_pages_keep_words_whole_at_200_percent_zoom(fx_browser, fx_server, fx_settings,
                                                                     fx_password_hash):
    await build_world(fx_password_hash)
    context = await fx_browser.new_context(base_url=fx_server.url, **ZOOM_200)
    page = await context.new_page()
    errors = collect_errors(page)
    faults = await walk(page, {"open-map": ("/#/carte", "Où trouver Vigie"),
                               "open-stats": ("/#/chiffres", "Vigie en chiffres")}, {})
    assert not faults, "\n".join(faults)
    assert not errors, errors
    await context.close()
