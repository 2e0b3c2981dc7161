"""La Gazette in Chromium: posting an annonce with a photo, filters and search, an event's
answers, a carpool seat asked and accepted, comments, a referent pinning a post, and the
French refusal past the hourly post limit."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from backend.gazette.tables import GazettePhoto, GazettePost
from tests.e2e.community import SHOTS, Street, fx_street, paris_local, png_bytes, post_gazette  # noqa: F401
from tests.e2e.conftest import Neighbours, browser_login


async def test_member_posts_an_annonce_with_a_photo_and_sees_it(fx_page, fx_street):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/gazette")
    await expect(page.get_by_role("heading", name="La Gazette", exact=True)).to_be_visible()
    await expect(page.get_by_text("Rien dans la Gazette pour le moment.")).to_be_visible()
    await page.get_by_role("link", name="Écrire dans la Gazette").click()
    await expect(page.get_by_role("heading", name="Écrire dans la Gazette")).to_be_visible()

    await page.get_by_label("Petite annonce").check()
    await expect(page.get_by_label("Prix en euros")).to_be_visible()
    await expect(page.get_by_label("Lieu", exact=True)).to_be_hidden()  # an event's field
    await page.get_by_label("Titre").fill("Vends vélo d'enfant")
    await page.get_by_label("Texte").fill("Vélo rouge, roues de 16 pouces, très bon état.")
    await page.get_by_label("Prix en euros").fill("15")
    await page.get_by_label("Photos (facultatif)").set_input_files(
        files=[{"name": "velo.png", "mimeType": "image/png", "buffer": png_bytes()}])
    preview = page.get_by_role("img", name="Photo n° 1 : velo.png")
    await expect(preview).to_be_visible()
    assert (await preview.get_attribute("src")).startswith("blob:")
    await page.screenshot(path=f"{SHOTS}/gazette-new.png", full_page=True)
    await page.get_by_role("button", name="Publier").click()

    await expect(page.get_by_role("heading", name="Vends vélo d'enfant")).to_be_visible()
    await expect(page.get_by_text("C'est publié")).to_be_visible()
    photo = page.get_by_role("img", name="Photo n° 1 de « Vends vélo d'enfant »")
    await expect(photo).to_be_visible()
    await page.wait_for_function("() => [...document.images].every((img) => img.complete && img.naturalWidth > 0)")
    assert await GazettePhoto.count() == 1
    post = await GazettePost.select(GazettePost.kind, GazettePost.price_cents).first()
    assert (post["kind"], post["price_cents"]) == ("classified", 1500)
    await page.screenshot(path=f"{SHOTS}/gazette-post-annonce.png", full_page=True)

    await page.get_by_role("link", name="Toute la Gazette").click()
    card = page.locator("[data-post-id]").filter(has_text="Vends vélo d'enfant")
    await expect(card).to_contain_text("15,00")
    await expect(card).to_contain_text("Par Odette Lambert")
    await expect(card.locator("img")).to_be_visible()
    assert not page.errors, page.errors


async def test_filters_search_event_answers_carpool_seat_and_referent_pin(fx_page, fx_street, fx_live_api):
    page = fx_page
    community = fx_street.n.community
    alice = await fx_live_api(Neighbours.ALICE)
    event = await post_gazette(alice, community, kind="event", title="Fête de l'été", body="Apportez un plat.",
                               starts_at=paris_local(10), place="Cour de l'école")
    ride = await post_gazette(alice, community, kind="carpool", title="Marché d'Orléans samedi", body="Départ à 9 h.",
                              from_place="Place de l'Église", to_place="Orléans", departs_at=paris_local(5, 9), seats=2)
    await post_gazette(alice, community, title="Nouveau boulanger", body="Il ouvre lundi.")
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/gazette")
    await expect(page.locator("[data-post-id]")).to_have_count(3)
    await page.screenshot(path=f"{SHOTS}/gazette-list.png", full_page=True)

    await page.get_by_role("button", name="Événements").click()
    await expect(page.get_by_role("button", name="Événements")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("[data-post-id]")).to_have_count(1)
    assert "type=event" in page.url
    await page.get_by_role("button", name="Tout", exact=True).click()
    await page.get_by_label("Rechercher dans la Gazette").fill("fete ete")  # accents aside
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.locator("[data-post-id]")).to_have_count(1)
    await expect(page.locator("[data-post-id]")).to_contain_text("Fête de l'été")
    await page.get_by_role("button", name="Effacer").click()
    await expect(page.locator("[data-post-id]")).to_have_count(3)

    await page.get_by_role("link", name="Fête de l'été").click()
    await expect(page.get_by_text("0 personne vient")).to_be_visible()
    await page.get_by_role("button", name="Je viens").click()
    await expect(page.get_by_text("1 personne vient")).to_be_visible()
    await expect(page.get_by_role("button", name="Je viens")).to_have_attribute("aria-pressed", "true")
    assert "null" not in await page.locator("main").inner_text()  # an empty slot printed as « null »
    await page.get_by_label("Votre commentaire").fill("J'apporte une tarte aux pommes.")
    await page.get_by_role("button", name="Publier le commentaire").click()
    await expect(page.locator(".comment")).to_contain_text("J'apporte une tarte aux pommes.")
    await page.screenshot(path=f"{SHOTS}/gazette-post-event.png", full_page=True)

    await page.goto(f"/#/gazette/{ride['id']}")
    await page.get_by_role("button", name="Demander une place").click()
    await page.get_by_label("Un mot pour le conducteur (facultatif)").fill("Avec un panier.")
    await page.get_by_role("button", name="Envoyer ma demande").click()
    await expect(page.get_by_text("le conducteur n'a pas encore répondu")).to_be_visible()
    detail = (await alice.request("GET", f"/api/v1/gazette/posts/{ride['id']}")).json()
    [request] = detail["carpool"]["requests"]
    accepted = await alice.request("POST", f"/api/v1/gazette/ride-requests/{request['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    await expect(page.get_by_text("Votre place est acceptée.")).to_be_visible(timeout=10_000)  # live
    await expect(page.get_by_text("1 place libre sur 2")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/gazette-post-carpool.png", full_page=True)
    assert not page.errors, page.errors

    # The referent pins the event: it leads the list, under « À la une ».
    await page.context.clear_cookies()
    await browser_login(page.context, Street.JEANNE)
    await page.goto(f"/#/gazette/{event['id']}")
    await page.reload()  # a new session: the app reads who is logged in again
    await page.get_by_role("button", name="Épingler à la une").click()
    await expect(page.get_by_text("La publication est à la une.")).to_be_visible()
    await page.get_by_role("link", name="Toute la Gazette").click()
    await expect(page.get_by_role("heading", name="À la une")).to_be_visible()
    await expect(page.locator(".post-card--pinned")).to_contain_text("Fête de l'été")
    first = page.locator("[data-post-id]").first
    assert await first.get_attribute("data-post-id") == str(event["id"])
    assert not page.errors, page.errors


async def test_a_member_past_the_hourly_post_limit_reads_why_in_french(fx_page, fx_street, fx_live_api):
    page = fx_page
    odette = await fx_live_api(Neighbours.ODETTE)
    for i in range(10):  # the default limit: 10 posts an hour
        await post_gazette(odette, fx_street.n.community, title=f"Nouvelle n° {i + 1}")
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/gazette/nouveau")
    await page.get_by_label("Actualité du quartier").check()
    await page.get_by_label("Titre").fill("Une de trop")
    await page.get_by_label("Texte").fill("Elle ne doit pas partir.")
    await page.get_by_role("button", name="Publier").click()
    await expect(page.get_by_role("alert").filter(
        has_text="Vous avez atteint la limite de 10 publications par heure dans la Gazette. Réessayez dans")).to_be_visible()
    assert await GazettePost.count() == 10
    assert not page.errors, page.errors


async def test_a_comment_typed_while_the_post_is_read_again_keeps_its_field_and_every_letter(
        fx_page, fx_street, fx_live_api):
    """A live update read the post, the person started a comment meanwhile, then the post was
    drawn again: the comment field lost the focus and the rest of what they typed went nowhere
    (the whole suite failed once on it, the comment empty when sent)."""
    page = fx_page
    alice = await fx_live_api(Neighbours.ALICE)
    event = await post_gazette(alice, fx_street.n.community, kind="event", title="Vide-grenier", body="Dimanche.",
                               starts_at=paris_local(10), place="Place du marché")
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto(f"/#/gazette/{event['id']}")
    await expect(page.get_by_text("0 personne vient")).to_be_visible()
    asked, released = asyncio.Event(), asyncio.Event()

    async def hold(route):  # the live update's read of the post answers once the comment is started
        asked.set()
        await released.wait()
        await route.continue_()

    await page.route(f"**/api/v1/gazette/posts/{event['id']}", hold)
    answer = await alice.request("POST", f"/api/v1/gazette/posts/{event['id']}/rsvp", json={"answer": "going"})
    assert answer.status_code in (200, 201), answer.text
    await asyncio.wait_for(asked.wait(), 30)  # Alice's answer came live: the page reads the post again
    field = page.get_by_label("Votre commentaire")
    await field.click()
    await page.keyboard.type("J'apporte ")
    released.set()
    await page.wait_for_timeout(500)  # the read's answer is in: the page would redraw now
    await page.keyboard.type("des crêpes.")
    await expect(field).to_be_focused()
    await expect(field).to_have_value("J'apporte des crêpes.")
    await page.get_by_role("button", name="Publier le commentaire").click()
    await expect(page.locator(".comment")).to_contain_text("J'apporte des crêpes.")
    await expect(page.get_by_text("1 personne vient")).to_be_visible()  # drawn with the comment
    assert not page.errors, page.errors
