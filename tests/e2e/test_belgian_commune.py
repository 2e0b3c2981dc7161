"""In Chromium, a Belgian mairie applies: its commune is picked from the Belgian list, shown with its
country and NIS code, and stored as Belgian although a French commune has the same code (21004: Bruxelles
and Aignay-le-Duc); the contact's number is read as a Belgian one."""

from __future__ import annotations

from playwright.async_api import expect

from backend.auth.tables import User
from backend.communities.official import import_communes
from backend.demo import make_commune, make_community
from backend.partnership.tables import MairieApplication
from tests.e2e.a11y import assert_accessible


async def test_a_belgian_mairie_picks_its_commune_with_its_country(fx_page, fx_settings, fx_server):
    await import_communes(only={"21004"}, country="FR")  # Aignay-le-Duc (Côte-d'Or)
    await import_communes(only={"21004", "92094"}, country="BE")  # Bruxelles, Namur
    page = fx_page
    await page.goto("/#/adhesion-mairie")
    await expect(page.get_by_role("heading", name="Mairie vigilante et solidaire", level=1)).to_be_visible()
    await page.get_by_label("Votre commune").fill("Namur")
    await expect(page.get_by_text("Belgique · Namur (NAM) · ")).to_be_visible()
    await expect(page.get_by_text("code NIS 92094")).to_be_visible()
    await page.get_by_label("Votre commune").fill("Bruxelles")  # the only one: chosen
    await expect(page.get_by_text("Belgique · Bruxelles-Capitale (BRU) · 1000, 1020, 1120, 1130 · code NIS 21004")
                 ).to_be_visible()
    await expect(page.get_by_text("Commune choisie : Bruxelles / Brussel (1000, 1020, 1120, 1130)")).to_be_visible()
    await page.get_by_label("Nom et prénom").fill("Lien Peeters")
    await page.get_by_label("Fonction").fill("Secrétaire communale")
    await page.get_by_label("Adresse e-mail").first.fill("secretariat@bruxelles.be")
    await page.get_by_label("Téléphone").fill("02 279 22 11")  # a Brussels number, written the Belgian way
    agent = page.locator("[data-agent='1']")
    await agent.get_by_label("Prénom").fill("Marc")
    await agent.get_by_label("Nom", exact=True).fill("Dubois")
    await agent.get_by_label("Adresse e-mail").fill("m.dubois@bruxelles.be")
    await assert_accessible(page, "mairie application form, Belgian commune")
    await page.get_by_role("button", name="Envoyer la demande").click()
    await expect(page.get_by_text("La demande de la mairie de Bruxelles / Brussel est bien reçue.")).to_be_visible()
    rows = await MairieApplication.select(MairieApplication.country, MairieApplication.insee_code,
                                          MairieApplication.contact_phone)
    assert rows == [{"country": "BE", "insee_code": "21004", "contact_phone": "+3222792211"}]
    assert not page.errors, page.errors


async def test_a_belgian_resident_signs_up_in_a_belgian_neighbourhood_by_its_postal_code(fx_page, fx_settings,
                                                                                        fx_server):
    namur = await make_commune("Namur", "92094", "5000,5100", country="BE")
    await make_community(namur, "Jambes", lat=50.46, lon=4.87)
    saint_lo = await make_commune("Saint-Lô", "50502", "50000")  # a French 50000: « 5000 » is its prefix too
    await make_community(saint_lo, "Le Bourg")
    page = fx_page
    await page.goto("/#/inscription")
    await page.get_by_label("Prénom").fill("Lien")
    await page.get_by_label("Nom", exact=True).fill("Peeters")
    await page.get_by_label("Adresse e-mail").fill("lien@example.be")
    await page.get_by_label("Téléphone portable").fill("0470 12 34 56")
    await page.get_by_label("Adresse", exact=True).fill("12 rue de Fer")
    await page.get_by_label("Ville", exact=True).fill("Namur")
    await page.get_by_label("Mot de passe", exact=True).fill("un-mot-de-passe-long")
    search = page.get_by_label("Rechercher votre quartier (code postal ou commune)")
    await search.fill("5000")  # France chosen: Saint-Lô's neighbourhood only
    await expect(page.get_by_text("Le Bourg", exact=True)).to_be_visible()
    await expect(page.get_by_text("Saint-Lô (France · 50000)", exact=True)).to_be_visible()
    await expect(page.get_by_text("Jambes")).to_have_count(0)
    await page.get_by_label("Pays").select_option("BE")  # Belgium: the same search, Namur's neighbourhood
    await expect(page.get_by_text("Namur (Belgique · 5000, 5100)", exact=True)).to_be_visible()
    await expect(page.get_by_text("Le Bourg", exact=True)).to_have_count(0)
    await page.get_by_label("Code postal", exact=True).fill("5000")
    await expect(page.get_by_text("Quartier choisi : Jambes — Namur (Belgique · 5000, 5100)")).to_be_visible()
    await assert_accessible(page, "sign-up, Belgian neighbourhood")
    await page.get_by_role("button", name="Créer mon compte").click()
    await expect(page.get_by_text("Bonjour Lien, votre inscription est enregistrée")).to_be_visible()
    row = await User.select(User.country, User.postal_code, User.phone, User.phone_mobile).where(
        User.email == "lien@example.be").first()
    assert row == {"country": "BE", "postal_code": "5000", "phone": "+32470123456", "phone_mobile": True}
    assert not page.errors, page.errors
