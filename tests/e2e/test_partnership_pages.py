"""The public pages of the partnership in Chromium, without a session: a mairie applies (its commune
picked from the official list, not yet on Vigie; its agents added on the form), and the police/gendarmerie referent
acknowledges a forwarded alert through the signed link of its e-mail. Both axe clean."""

from __future__ import annotations

import json

from playwright.async_api import expect

from backend.alerts.jobs import police_ack_token
from backend.alerts.tables import Alert
from backend.communities.official import import_communes
from backend.communities.tables import Commune
from backend.partnership.tables import MairieApplication, PoliceAcknowledgement
from tests.builders import build_world
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import person_page, wait_until


async def test_a_mairie_applies_without_an_account(fx_page, fx_settings, fx_server, fx_password_hash):
    await import_communes(only={"45286", "45234", "45302"})  # Saint-Jean-le-Blanc, Orléans, Saran: none on Vigie
    page = fx_page
    await page.goto("/#/connexion")
    await page.get_by_role("link", name="Vous êtes une mairie ? Demander à rejoindre Vigie").click()
    await expect(page.get_by_role("heading", name="Mairie vigilante et solidaire", level=1)).to_be_visible()
    await page.get_by_label("Votre commune").fill("45")
    await expect(page.get_by_text("3 communes trouvées")).to_be_visible()  # by postal code, none on Vigie
    await expect(page.get_by_text("Loiret (45) · 45650 · code INSEE 45286")).to_be_visible()
    await page.get_by_role("radio", name="Saint-Jean-le-Blanc").check()
    await expect(page.get_by_text("Commune choisie : Saint-Jean-le-Blanc (45650)")).to_be_visible()
    await page.get_by_label("Votre commune").fill("orleans")  # by name, accents ignored: the only one, chosen
    await expect(page.get_by_text("Commune choisie : Orléans (45000, 45100)")).to_be_visible()
    await page.get_by_label("Votre commune").fill("Saint")
    await expect(page.get_by_text("Commune choisie : Saint-Jean-le-Blanc (45650)")).to_be_visible()
    await page.get_by_label("Nom et prénom").fill("Hélène Garnier")
    await page.get_by_label("Fonction").fill("Secrétaire de mairie")
    await page.get_by_label("Adresse e-mail").first.fill("secretariat@saint-aubin.fr")
    await page.get_by_label("Téléphone").fill("02 38 00 00 00")
    agent1 = page.locator("[data-agent='1']")
    await agent1.get_by_label("Prénom").fill("Louis")
    await agent1.get_by_label("Nom", exact=True).fill("Perrin")
    await agent1.get_by_label("Adresse e-mail").fill("l.perrin@saint-aubin.fr")
    await page.get_by_role("button", name="Ajouter un agent").click()
    agent2 = page.locator("[data-agent='2']")
    await expect(agent2.get_by_label("Prénom")).to_be_focused()
    await agent2.get_by_label("Prénom").fill("Nadia")
    await agent2.get_by_label("Nom", exact=True).fill("Belkacem")
    await agent2.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    await assert_accessible(page, "mairie application form")
    await page.get_by_role("button", name="Envoyer la demande").click()
    await expect(agent2.get_by_text("Adresse e-mail invalide.")).to_be_visible()  # checked before sending
    await agent2.get_by_label("Adresse e-mail").fill("n.belkacem@saint-aubin.fr")
    await page.get_by_role("button", name="Envoyer la demande").click()
    await expect(page.get_by_role("heading", name="Demande envoyée")).to_be_focused()
    await expect(page.get_by_text("La demande de la mairie de Saint-Jean-le-Blanc est bien reçue.")).to_be_visible()
    await assert_accessible(page, "mairie application sent")
    rows = await MairieApplication.select(MairieApplication.contact_phone, MairieApplication.agents,
                                          MairieApplication.insee_code, MairieApplication.commune)
    assert [(r["insee_code"], r["commune"], r["contact_phone"]) for r in rows] == [("45286", None, "+33238000000")]
    assert await Commune.count() == 0  # the approval opens the commune, not the application
    assert [a["email"] for a in json.loads(rows[0]["agents"])] == ["l.perrin@saint-aubin.fr", "n.belkacem@saint-aubin.fr"]
    assert page.errors == []


async def test_police_referent_acknowledges_on_the_linked_page(fx_page, fx_browser, fx_settings, fx_server,
                                                              fx_password_hash):
    w = await build_world(fx_password_hash)
    await Alert.update({Alert.notify_police: True, Alert.place: "Rue des Lilas"}).where(Alert.id == w.alert)
    token = police_ack_token(fx_settings.secret_key, w.alert)
    page = fx_page
    # Before any answer the author's page says so, with nothing else in the region (no note: « null » was printed).
    async with person_page(fx_browser, fx_server, w.email("member")) as author:
        await author.goto(f"/#/alertes/{w.alert}")
        answer = author.get_by_role("region", name="Réponse du référent police ou gendarmerie")
        await expect(answer.get_by_text("Pas encore de réponse du référent police ou gendarmerie.")).to_be_visible()
        assert "null" not in await answer.inner_text()
        assert author.errors == []
    # A link cut short or altered opens nothing, and says so.
    await page.goto(f"/#/police/accuse?jeton=x{token[1:]}")
    await expect(page.get_by_text("Ce lien n'est pas valide")).to_be_visible()
    await page.goto(f"/#/police/accuse?jeton={token}")
    await expect(page.get_by_role("heading", name="Camionnette blanche")).to_be_visible()
    await expect(page.get_by_text("Quartier Les Tilleuls, Bellerive-sur-Loire")).to_be_visible()
    await expect(page.get_by_text("Lieu : Rue des Lilas")).to_be_visible()
    await assert_accessible(page, "police acknowledgement")
    await page.get_by_label("Une note pour l'auteur et la mairie (facultatif)").fill("Patrouille passée à 22 h.")
    await page.get_by_role("button", name="J'ai pris en compte cette alerte").click()
    await expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()  # checked before sending
    await page.get_by_label("Votre nom et votre grade ou unité").fill("Adjudant Leroux")
    await page.get_by_role("button", name="J'ai pris en compte cette alerte").click()
    done = page.get_by_text("Prise en compte par Adjudant Leroux le")
    await expect(done).to_be_focused()
    await expect(page.get_by_text("Note : Patrouille passée à 22 h.")).to_be_visible()
    await assert_accessible(page, "police acknowledgement done")

    async def recorded() -> bool:
        return await PoliceAcknowledgement.exists().where(PoliceAcknowledgement.alert == w.alert)
    await wait_until(recorded, what="acknowledgement row")
    # Opened again, the link shows the acknowledgement instead of the form.
    await page.reload()
    await expect(page.get_by_text("Prise en compte par Adjudant Leroux le")).to_be_visible()
    await expect(page.get_by_role("button", name="J'ai pris en compte cette alerte")).to_have_count(0)
    assert page.errors == []
    # The author reads the answer on the alert's page.
    async with person_page(fx_browser, fx_server, w.email("member")) as author:
        await author.goto(f"/#/alertes/{w.alert}")
        answer = author.get_by_role("region", name="Réponse du référent police ou gendarmerie")
        await expect(answer.get_by_text("Prise en compte par Adjudant Leroux le")).to_be_visible()
        await expect(answer.get_by_text("Note : Patrouille passée à 22 h.")).to_be_visible()
        assert author.errors == []
