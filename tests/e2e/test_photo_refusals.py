"""Photo uploads refused by the server are explained in French on the screens that send them:
a pixel bomb on « Ma fiche », and the hourly photo limit there and when publishing in the
Gazette. This module's live server allows two photos an hour per member."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from backend.gazette.tables import GazettePhoto, GazettePost
from backend.settings import Settings
from tests.e2e.community import Street, fx_street, png_bytes  # noqa: F401
from tests.e2e.conftest import LiveServer, Neighbours, browser_login
from tests.fixtures.tagged_images import pixel_bomb

LIMIT = 2


@pytest.fixture(scope="module")
def fx_server(fx_base_settings: Settings, fx_engine: Any, fx_tmp: Path) -> Any:
    server = LiveServer(fx_base_settings, fx_tmp, VIGIE_PHOTOS_PER_HOUR=str(LIMIT)).start()
    yield server
    server.stop()


async def test_refused_photos_are_explained_in_french_on_the_profile_and_the_gazette(fx_page, fx_street):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/profil")
    await expect(page.get_by_role("heading", name="Ma fiche dans l'annuaire")).to_be_visible()

    # 400 megapixels in 50 kB: refused with its own message, not as « not a photo ».
    await page.get_by_label("Choisir une photo").set_input_files(
        files=[{"name": "bombe.png", "mimeType": "image/png", "buffer": pixel_bomb()}])
    await expect(page.get_by_text("La photo a trop de pixels (40 millions au plus).")).to_be_visible()

    for i in range(LIMIT):  # the refused one did not count
        label = "Choisir une photo" if i == 0 else "Changer de photo"
        await page.get_by_label(label).set_input_files(
            files=[{"name": f"moi-{i}.png", "mimeType": "image/png", "buffer": png_bytes((200, 200), (180, 60, 60))}])
        await expect(page.get_by_text("Votre photo est enregistrée.")).to_be_visible()
        await expect(page.get_by_label("Changer de photo")).to_be_enabled()
    await page.get_by_label("Changer de photo").set_input_files(
        files=[{"name": "encore.png", "mimeType": "image/png", "buffer": png_bytes((200, 200))}])
    await expect(page.get_by_text(
        f"Vous ne pouvez pas envoyer plus de {LIMIT} photos par heure. Réessayez dans")).to_be_visible()

    # The same limit, met when publishing in the Gazette: the post is online, the photo is not.
    await page.goto("/#/gazette/nouveau")
    await page.get_by_label("Actualité du quartier").check()
    await page.get_by_label("Titre").fill("Nouveau banc au square")
    await page.get_by_label("Texte").fill("Posé ce matin, près du bac à sable.")
    await page.get_by_label("Photos (facultatif)").set_input_files(
        files=[{"name": "banc.png", "mimeType": "image/png", "buffer": png_bytes()}])
    await page.get_by_role("button", name="Publier").click()
    await expect(page.get_by_role("alert").filter(has_text=(
        "Votre publication est en ligne, mais les photos n'ont pas pu être envoyées : "
        f"Vous ne pouvez pas envoyer plus de {LIMIT} photos par heure."))).to_be_visible()
    assert await GazettePost.count() == 1 and await GazettePhoto.count() == 0
    assert not page.errors, page.errors
