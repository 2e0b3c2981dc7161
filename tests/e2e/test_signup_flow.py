"""A resident signs up in Chromium, reads the letter in the dev outbox, enters the code, sees home."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from backend.auth.passwords import hash_password
from backend.demo import make_commune, make_community, make_user
from tests.e2e.a11y import assert_accessible

CODE = re.compile(r"CODE : ([A-Z0-9]{4}-[A-Z0-9]{4})")


async def fill_signup(page, email: str, password: str) -> None:
    await page.goto("/#/inscription")
    await page.get_by_label("Prénom").fill("Odette")
    await page.get_by_label("Nom", exact=True).fill("Lambert")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Téléphone portable").fill("06 12 34 56 78")
    # SMS on from the start for a mobile, and the form says so
    await expect(page.get_by_label("Recevoir aussi les alertes par SMS sur ce numéro")).to_be_checked()
    await page.get_by_label("Adresse", exact=True).fill("4 rue des Lilas")
    await page.get_by_label("Code postal", exact=True).fill("45100")
    await page.get_by_label("Ville", exact=True).fill("Bellerive-sur-Loire")
    await page.get_by_label("Mot de passe", exact=True).fill(password)
    await page.get_by_label("Rechercher votre quartier (code postal ou commune)").fill("45100")
    await page.get_by_text("Les Tilleuls").first.click()
    await page.get_by_role("button", name="Créer mon compte").click()


async def test_resident_signs_up_enters_the_letter_code_and_sees_their_community(fx_page, fx_settings, fx_server):
    commune = await make_commune()
    await make_community(commune, "Les Tilleuls")
    page = fx_page
    await fill_signup(page, "odette@example.fr", "un-mot-de-passe-long")
    # Logged in with the password just chosen, pending: the letter is on its way.
    await expect(page.get_by_text("Bonjour Odette, votre inscription est enregistrée")).to_be_visible()
    await expect(page.get_by_text(re.compile("courrier", re.I)).first).to_be_visible()

    await page.screenshot(path="/tmp/after-signup.png")
    letters = []
    for _ in range(100):  # the letter is "posted" by the server; poll the outbox for it
        letters = (await (await page.request.get("/api/v1/dev/outbox")).json())["letters"]
        if letters:
            break
        await asyncio.sleep(0.1)
    assert len(letters) == 1
    assert len(letters) == 1
    code = CODE.search(letters[0]["text"]).group(1)

    await page.goto("/#/activation")
    await page.get_by_label("Code d'activation").fill(code.lower())
    await page.get_by_role("button", name="Activer mon compte").click()
    # Once, right after the code: push on this phone (SMS is already on for the mobile given)
    await expect(page.get_by_role("heading", name="Recevoir les alertes sur ce téléphone")).to_be_focused()
    await expect(page.get_by_text("Votre compte est activé")).to_be_visible()
    await expect(page.get_by_text("Vous recevez aussi les alertes par SMS au +33612345678.")).to_be_visible()
    await expect(page.get_by_role("button", name="Activer les notifications sur cet appareil")).to_be_visible()
    await assert_accessible(page, "activated-step")
    async with page.expect_response("**/api/v1/me/preferences"):
        await page.get_by_role("link", name="Continuer vers l'accueil").click()
    await expect(page.get_by_text("Bienvenue dans Les Tilleuls")).to_be_visible()
    # SMS reaches her: no « Recevoir les alertes sur ce téléphone » card on the home page
    await expect(page.get_by_role("heading", name="Recevoir les alertes sur ce téléphone")).to_have_count(0)
    assert not page.errors, page.errors


async def test_signing_up_with_an_address_that_has_an_account_says_to_check_the_mail(fx_page, fx_settings, fx_server,
                                                                                     fx_mail):
    commune = await make_commune()
    await make_community(commune, "Les Tilleuls")
    await make_user("odette@example.fr", "Odette", "Lambert", password_hash=await hash_password("son-vrai-mot-de-passe"))
    page = fx_page
    await fill_signup(page, "odette@example.fr", "un-autre-mot-de-passe")
    await expect(page.get_by_role("heading", name="Inscription reçue")).to_be_visible()
    await expect(page.get_by_text("Consultez votre boîte mail")).to_be_visible()
    await expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    assert (await page.request.get("/api/v1/auth/me")).status == 401  # nobody was logged in
    notice = (await fx_mail.wait_for_async(1, timeout=10))[0].message
    assert notice["To"] == "odette@example.fr" and "Quelqu'un a essayé" in notice.get_body().get_content()
    assert not page.errors, page.errors
