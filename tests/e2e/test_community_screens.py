"""Community life screens at phone size (screenshots in /tmp/vigie-screens) and at 200 % zoom
(a 195 px wide viewport: nothing may need sideways scrolling), and my directory card edited
in the app: photo, skills, and who may see my phone number."""

from __future__ import annotations

from playwright.async_api import expect

from backend.directory.tables import Profile
from tests.e2e.community import (OVERFLOW, SHOTS, Street, fx_street, open_conversation, paris_local,  # noqa: F401
                                 png_bytes, post_gazette)
from tests.e2e.conftest import Neighbours, browser_login


async def test_community_screens_fit_a_phone_and_200_percent_zoom(fx_page, fx_street, fx_live_api):
    page = fx_page
    n = fx_street.n
    alice = await fx_live_api(Neighbours.ALICE)
    event = await post_gazette(alice, n.community, kind="event", title="Repas de quartier", body="Chacun apporte un plat.",
                               starts_at=paris_local(7), place="Jardin partagé")
    conversation = await open_conversation(alice, n.community, n.odette)
    sent = await alice.request("POST", f"/api/v1/messages/conversations/{conversation['id']}/messages",
                               json={"body": "Bonjour Odette !"}, headers={"Idempotency-Key": "screens-message-01"})
    assert sent.status_code == 201, sent.text
    jeanne = await fx_live_api(Street.JEANNE)
    created = await jeanne.request("POST", f"/api/v1/communities/{n.community}/checkins", json={
        "person_id": n.odette, "watcher_ids": [n.alice, fx_street.bruno], "check_time": "09:00",
        "note": "Clés chez Alice.", "consent": {"method": "oral"}})
    assert created.status_code == 201, created.text
    checkin = created.json()
    await browser_login(page.context, Street.JEANNE)  # a referent sees every screen
    screens = {
        "home-tiles": ("/#/", "Bienvenue dans Les Tilleuls"),
        "gazette": ("/#/gazette", "La Gazette"),
        "gazette-new-empty": ("/#/gazette/nouveau", "Écrire dans la Gazette"),
        "gazette-post-referent": (f"/#/gazette/{event['id']}", "Repas de quartier"),
        "directory": ("/#/annuaire", "L'annuaire"),
        "directory-member": (f"/#/annuaire/{n.odette}", "Odette Lambert"),
        "profile": ("/#/profil", "Ma fiche dans l'annuaire"),
        "messages": ("/#/messages", "Messages"),
        "messages-new-empty": ("/#/messages/nouveau", "Écrire à un voisin"),
        "checkins-referent": ("/#/veille", "Veille solidaire"),
        "checkins-new-for": ("/#/veille/nouvelle?pour=voisin", "Mettre en place une veille pour un voisin"),
        "checkins-detail-referent": (f"/#/veille/{checkin['id']}", "Veille de Odette Lambert"),
        "checkins-community": ("/#/veille/quartier", "Les veilles du quartier"),
    }
    for name, (path, heading) in screens.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await expect(page.locator("main .loading")).to_have_count(0)
        await page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)

    await page.set_viewport_size({"width": 195, "height": 422})
    for name, (path, heading) in screens.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await expect(page.locator("main .loading")).to_have_count(0)
        assert await page.evaluate(OVERFLOW) == [], name
    await page.screenshot(path=f"{SHOTS}/checkins-community-zoom200.png", full_page=True)
    assert not page.errors, page.errors


async def test_member_edits_their_card_photo_skills_and_phone_visibility(fx_page, fx_street, fx_live_api):
    page = fx_page
    n = fx_street.n
    alice = await fx_live_api(Neighbours.ALICE)
    card = (await alice.request("GET", f"/api/v1/communities/{n.community}/directory/{n.odette}")).json()
    assert card["contacts"]["phone"] is None  # hidden by default
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/annuaire")
    await page.get_by_role("link", name="Modifier ma fiche").click()
    await expect(page.get_by_role("heading", name="Ma fiche dans l'annuaire")).to_be_visible()

    await page.get_by_label("Choisir une photo").set_input_files(
        files=[{"name": "moi.png", "mimeType": "image/png", "buffer": png_bytes((300, 300), (180, 60, 60))}])
    await expect(page.get_by_text("Votre photo est enregistrée.")).to_be_visible()
    await page.get_by_label("Quelques mots sur vous").fill("Retraitée, dans le quartier depuis 1985.")
    await page.get_by_label("Centres d'intérêt").fill("jardinage, belote")
    phone = page.get_by_role("group", name="Mon numéro de téléphone : qui peut le voir ?")
    await expect(phone.get_by_label("Personne")).to_be_checked()
    await phone.get_by_label("Tout le quartier").check()
    await page.screenshot(path=f"{SHOTS}/profile-edit.png", full_page=True)
    await page.get_by_role("button", name="Enregistrer ma fiche").click()
    await expect(page.get_by_text("Votre fiche est enregistrée.")).to_be_visible()

    card = (await alice.request("GET", f"/api/v1/communities/{n.community}/directory/{n.odette}")).json()
    assert card["contacts"]["phone"] == "+33611000002" and card["photo_url"]
    assert card["interests"] == ["jardinage", "belote"]
    profile = await Profile.select(Profile.phone_visibility).where(Profile.user == n.odette).first()
    assert profile["phone_visibility"] == "community"

    await page.get_by_role("link", name="Annuaire").click()
    await page.get_by_label("Chercher un voisin").fill("belote")
    mine = page.locator(f'[data-user-id="{n.odette}"]')
    await expect(mine).to_contain_text("C'est vous")
    await expect(mine.locator("img.avatar")).to_be_visible()
    await expect(page.locator("[data-user-id]")).to_have_count(1)
    assert not page.errors, page.errors
