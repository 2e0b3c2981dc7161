"""« Mes données » in Chromium (download, deletion with confirmation) and the public privacy page, axe clean."""

from __future__ import annotations

import re

from playwright.async_api import expect

from backend.auth.tables import User
from backend.demo import make_commune, make_community, make_user
from backend.privacy.tables import ErasureRequest
from tests.conftest import TEST_PASSWORD
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import browser_login


async def test_privacy_page_without_an_account_lists_what_is_kept_and_how_long(fx_page):
    page = fx_page
    await page.goto("/#/connexion")
    await page.get_by_role("link", name="Vie privée : ce que Vigie garde sur vous").click()
    await expect(page.get_by_role("heading", name="Vie privée", level=1)).to_be_visible()
    retention = page.locator(".privacy-retention")
    await expect(retention).to_contain_text("Le suivi de chaque notification")
    await expect(retention).to_contain_text("90 jours")
    await expect(retention).to_contain_text("365 jours")
    await expect(page.locator(".privacy-data")).to_contain_text("Mes messages")
    await expect(page.get_by_text(re.compile("effacé 14 jours après votre demande"))).to_be_visible()
    await assert_accessible(page, "privacy page")
    assert page.errors == []


async def test_member_downloads_their_data_then_deletes_their_account_with_confirmation(
        fx_page, fx_settings, fx_password_hash):
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    user_id = await make_user("odette@test.vigie.fr", "Odette", "Lambert", password_hash=fx_password_hash,
                              phone="+33612345678", community_id=community)
    page = fx_page
    await browser_login(page.context, "odette@test.vigie.fr")
    await page.goto("/#/reglages")
    await page.get_by_role("link", name="Mes données").click()
    await expect(page.get_by_role("heading", name="Mes données", level=1)).to_be_visible()
    await assert_accessible(page, "my data")

    # Correct the name: saved on the account, and the greeting follows.
    await page.get_by_label("Prénom").fill("Odile")
    await page.get_by_role("button", name="Enregistrer mon nom et mon téléphone").click()
    await expect(page.get_by_text("C'est corrigé.")).to_be_visible()
    assert (await User.select(User.first_name).where(User.id == user_id).first())["first_name"] == "Odile"

    async with page.expect_download() as info:
        await page.get_by_role("link", name="Télécharger (page à lire ou imprimer)").click()
    download = await info.value
    html = open(await download.path(), encoding="utf-8").read()
    assert "Mes données Vigie" in html and "odette@test.vigie.fr" in html and "Odile" in html
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Télécharger (fichier JSON, pour un autre logiciel)").click()
    assert '"odette@test.vigie.fr"' in open(await (await info.value).path(), encoding="utf-8").read()

    await page.get_by_role("button", name="Supprimer mon compte…").click()
    await expect(page.get_by_label("J'ai compris : mon compte sera effacé dans 14 jours si je ne me reconnecte pas.")
                 ).to_be_focused()
    await page.get_by_label("Mon mot de passe, pour confirmer").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Oui, supprimer mon compte").click()
    await expect(page.get_by_text("Cochez la case pour confirmer.")).to_be_visible()  # not without the box
    assert not await ErasureRequest.exists().where(ErasureRequest.user == user_id)
    await page.get_by_label("Mon mot de passe, pour confirmer").fill("pas le bon")
    await page.get_by_label("J'ai compris : mon compte sera effacé dans 14 jours si je ne me reconnecte pas.").check()
    await page.get_by_role("button", name="Oui, supprimer mon compte").click()
    await expect(page.get_by_text(re.compile("Mot de passe incorrect"))).to_be_visible()
    await page.get_by_label("Mon mot de passe, pour confirmer").fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Oui, supprimer mon compte").click()
    await expect(page.get_by_role("heading", name="Votre compte est supprimé")).to_be_focused()
    await expect(page.get_by_text(re.compile(r"Il sera effacé le \d+"))).to_be_visible()
    await assert_accessible(page, "account deleted")
    assert await ErasureRequest.exists().where(ErasureRequest.user == user_id)

    await page.goto("/#/reglages")  # logged out: back to the login screen
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
