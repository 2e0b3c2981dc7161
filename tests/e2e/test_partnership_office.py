"""The partnership's office screens in Chromium: an admin approves a mairie's application, the new
agent chooses a password on the invitation page, then records the « Participation citoyenne »
convention and names a citizen referent. Each screen axe clean."""

from __future__ import annotations

import json

from playwright.async_api import expect

from backend.auth.tables import User
from backend.communities.tables import Commune
from backend.demo import make_commune, make_community, make_user
from backend.partnership.applications import invitation_token
from backend.partnership.tables import CitizenReferent, Convention, MairieApplication
from tests.builders import build_world
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import browser_login, collect_errors, wait_until
from tests.e2e.test_mairie_office import laptop_page


async def test_admin_approves_agent_sets_password_and_records_the_convention(fx_browser, fx_server, fx_settings,
                                                                           fx_password_hash):
    w = await build_world(fx_password_hash)
    commune = await make_commune("Saint-Aubin", "45301", "45300")
    bourg = await make_community(commune, "Le Bourg")
    await make_community(commune, "La Gare")
    await make_user("rose@test.vigie.fr", "Rose", "Voisine", password_hash=fx_password_hash, community_id=bourg)
    await MairieApplication.insert(MairieApplication(
        commune=commune, contact_name="Hélène Garnier", contact_role="Secrétaire de mairie",
        contact_email="secretariat@saint-aubin.fr", contact_phone="+33238000000",
        agents=json.dumps([{"first_name": "Louis", "last_name": "Perrin", "email": "l.perrin@saint-aubin.fr"}])))

    async with laptop_page(fx_browser, fx_server, w.email("admin")) as page:
        await page.goto("/#/admin/adhesions")
        card = page.locator("[data-application]")
        await expect(card.get_by_role("heading", name="Saint-Aubin (France, 45301)")).to_be_visible()
        await expect(card.get_by_text("Louis Perrin (l.perrin@saint-aubin.fr)")).to_be_visible()
        await assert_accessible(page, "admin applications")
        await card.get_by_role("button", name="Accepter la demande").click()
        await expect(page.get_by_text("La mairie de Saint-Aubin a rejoint Vigie.")).to_be_visible()
        await expect(card.get_by_text("Acceptée")).to_be_visible()
        assert page.errors == []

    agent = await User.select(User.id, User.password_hash).where(User.email == "l.perrin@saint-aubin.fr").first()
    token = invitation_token(fx_settings.secret_key, agent["id"], agent["password_hash"])
    context = await fx_browser.new_context(base_url=fx_server.url, viewport={"width": 1366, "height": 768},
                                           locale="fr-FR")
    try:
        page = await context.new_page()
        collect_errors(page)
        await page.goto(f"/#/invitation?jeton={token}")
        await expect(page.get_by_text("Bonjour Louis, vous êtes agent de la mairie de Saint-Aubin.")).to_be_visible()
        await assert_accessible(page, "invitation")
        await page.get_by_label("Mot de passe", exact=True).fill("mairie-saint-aubin-2026")
        await page.get_by_role("button", name="Enregistrer mon mot de passe").click()
        await expect(page.get_by_role("heading", name="Votre compte est prêt")).to_be_focused()

        await browser_login(context, "l.perrin@saint-aubin.fr", "mairie-saint-aubin-2026")
        await page.goto("/#/mairie/participation")
        await page.reload()  # the same document until now: load it again with the new session
        joined = (await Commune.select(Commune.mairie_joined_at).where(Commune.id == commune).first())[
            "mairie_joined_at"]
        await expect(page.get_by_text("La mairie de Saint-Aubin participe à Vigie depuis le")).to_be_visible()
        await expect(page.locator(f"[data-joined='{joined.isoformat()}']")).to_be_visible()
        await expect(page.get_by_text("Aucune convention enregistrée pour l'instant.")).to_be_visible()
        await assert_accessible(page, "participation citoyenne")
        await page.get_by_label("Date de signature").fill("2026-11-15")
        await page.get_by_label("Signataire pour la mairie").fill("Mme Durand, maire")
        await page.get_by_label("Signataire pour la police ou la gendarmerie").fill("Capitaine Martin")
        await page.get_by_label("Référent police ou gendarmerie : nom et grade").fill("Adjudant Leroux")
        await page.get_by_label("Son adresse e-mail").fill("brigade@gendarmerie.interieur.gouv.fr")
        await page.get_by_role("button", name="Enregistrer la convention").click()
        await expect(page.get_by_text("Convention enregistrée.")).to_be_visible()

        async def saved() -> bool:
            return await Convention.exists().where(Convention.commune == commune)
        await wait_until(saved, what="convention row")
        assert (await Commune.select(Commune.police_email).where(Commune.id == commune).first())[
            "police_email"] == "brigade@gendarmerie.interieur.gouv.fr"

        await page.get_by_label("Nom ou prénom").fill("Rose")
        await page.get_by_role("button", name="Chercher").click()
        await page.get_by_role("button", name="Nommer Rose Voisine").click()
        await expect(page.get_by_text("Rose Voisine (Le Bourg)")).to_be_visible()

        async def named() -> bool:
            return await CitizenReferent.exists().where(CitizenReferent.commune == commune)
        await wait_until(named, what="citizen referent row")
        await assert_accessible(page, "participation citoyenne, saved")
        assert page.errors == []
    finally:
        await context.close()
