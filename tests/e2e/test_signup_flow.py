"""A resident signs up in Chromium, reads the letter in the dev outbox, enters the code, sees home."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from backend.demo import make_commune, make_community

CODE = re.compile(r"CODE : ([A-Z0-9]{4}-[A-Z0-9]{4})")


async def test_resident_signs_up_enters_the_letter_code_and_sees_their_community(fx_page, fx_settings, fx_server):
    commune = await make_commune()
    await make_community(commune, "Les Tilleuls")
    page = fx_page
    await page.goto("/#/inscription")
    await page.get_by_label("Prénom").fill("Odette")
    await page.get_by_label("Nom", exact=True).fill("Lambert")
    await page.get_by_label("Adresse e-mail").fill("odette@example.fr")
    await page.get_by_label("Téléphone portable").fill("06 12 34 56 78")
    await page.get_by_label("Adresse", exact=True).fill("4 rue des Lilas")
    await page.get_by_label("Code postal", exact=True).fill("45100")
    await page.get_by_label("Ville", exact=True).fill("Bellerive-sur-Loire")
    await page.get_by_label("Mot de passe", exact=True).fill("un-mot-de-passe-long")
    await page.get_by_label("Rechercher votre quartier (code postal ou commune)").fill("45100")
    await page.get_by_text("Les Tilleuls").first.click()
    await page.get_by_role("button", name="Créer mon compte").click()
    # Pending: the app says the letter is on its way and offers the activation screen.
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
    await expect(page.get_by_text("Bienvenue dans Les Tilleuls")).to_be_visible()
    assert not page.errors, page.errors
