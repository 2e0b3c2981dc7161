"""Messages in Chromium, two members each in their own browser: writing from the directory,
the message arriving live in the other's thread, the unread badges, a group started from
« Écrire à un voisin », someone added to a conversation, blocking and unblocking."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from backend.messages.tables import Block, ConversationReport, Message, Participant
from tests.e2e.community import SHOTS, Street, fx_street, open_conversation  # noqa: F401
from tests.e2e.conftest import HeldStreams, Neighbours, browser_login, person_page


async def test_message_sent_online_appears_in_the_other_members_thread(fx_page, fx_browser, fx_server, fx_street):
    odette = fx_page
    await browser_login(odette.context, Neighbours.ODETTE)
    async with person_page(fx_browser, fx_server, Neighbours.ALICE) as alice:
        await alice.goto("/#/messages")
        await expect(alice.get_by_text("Pas encore de conversation.")).to_be_visible()

        await odette.goto("/#/annuaire")
        await odette.locator("[data-user-id]").get_by_role("link", name="Alice Martin").click()
        await odette.get_by_role("button", name="Écrire à Alice").click()
        await expect(odette.get_by_role("heading", name="Alice Martin")).to_be_visible()
        await odette.get_by_label("Votre message").fill("Bonjour Alice, avez-vous vu mon chat ?")
        await odette.get_by_role("button", name="Envoyer", exact=True).click()
        await expect(odette.locator(".message--mine")).to_contain_text("Bonjour Alice, avez-vous vu mon chat ?")
        assert await Message.count().where(Message.kind == "text") == 1

        # Alice's list shows it live, with its unread count, and the home link carries the badge.
        card = alice.locator("[data-conversation-id]")
        await expect(card).to_contain_text("Odette Lambert", timeout=10_000)
        await expect(card).to_contain_text("1 non lu")
        await expect(alice.locator('#nav a[data-nav="home"] .nav-badge')).to_contain_text("1")
        await alice.screenshot(path=f"{SHOTS}/messages-list.png", full_page=True)
        await card.get_by_role("link", name="Odette Lambert").click()
        await expect(alice.locator(".message--theirs")).to_contain_text("Bonjour Alice, avez-vous vu mon chat ?")
        await expect(alice.locator('#nav a[data-nav="home"] .nav-badge')).to_have_count(0)  # read now

        await alice.get_by_label("Votre message").fill("Oui, il dort sur mon muret !")
        await alice.get_by_role("button", name="Envoyer", exact=True).click()
        await expect(odette.locator(".message--theirs")).to_contain_text("Oui, il dort sur mon muret !", timeout=10_000)
        await odette.screenshot(path=f"{SHOTS}/messages-thread.png", full_page=True)
        assert not alice.errors, alice.errors
    assert not odette.errors, odette.errors


async def test_group_conversation_started_by_choosing_neighbours(fx_page, fx_street):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/")
    await page.get_by_role("link", name="Messages").first.click()
    # The home tile « Écrire à un voisin, lire vos messages » also matches a loose name: wait for the
    # Messages screen, then take its exact button (clicking the tile again while the screen loaded was a flake).
    await expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    await page.get_by_role("link", name="Écrire à un voisin", exact=True).click()
    await page.get_by_role("button", name="Envoyer le message").click()  # nobody chosen
    await expect(page.get_by_text("Ce champ est obligatoire.").first).to_be_visible()
    await page.get_by_label("Chercher un nom ou une rue").fill("eglise")  # Jeanne lives rue de l'Église
    await expect(page.locator("label[data-user-id]:visible")).to_have_count(1)
    await page.get_by_label("Jeanne Leroy").check()
    await page.get_by_label("Chercher un nom ou une rue").fill("")
    await page.get_by_label("Bruno Petit").check()
    await expect(page.get_by_text("Choisi(s) : Jeanne Leroy, Bruno Petit")).to_be_visible()
    await page.get_by_label("Nom du groupe (facultatif)").fill("Fête des voisins")
    await page.get_by_label("Votre message", exact=True).fill("Qui s'occupe des tables ?")
    await page.screenshot(path=f"{SHOTS}/messages-new.png", full_page=True)
    await page.get_by_role("button", name="Envoyer le message").click()
    await expect(page.get_by_role("heading", name="Fête des voisins")).to_be_visible()
    await expect(page.get_by_text("Avec Jeanne Leroy, Bruno Petit")).to_be_visible()
    await expect(page.locator(".message--mine")).to_contain_text("Qui s'occupe des tables ?")
    assert not page.errors, page.errors


async def test_member_reports_then_blocks_from_a_conversation(fx_page, fx_street, fx_live_api):
    n = fx_street.n
    alice = await fx_live_api(Neighbours.ALICE)
    conversation = await open_conversation(alice, n.community, n.odette)
    sent = await alice.request("POST", f"/api/v1/messages/conversations/{conversation['id']}/messages",
                               json={"body": "Message désagréable"}, headers={"Idempotency-Key": "report-message-01"})
    assert sent.status_code == 201, sent.text
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto(f"/#/messages/{conversation['id']}")
    await expect(page.locator(".message--theirs")).to_contain_text("Message désagréable")
    await page.get_by_text("Ajouter, quitter, bloquer, signaler").click()
    await page.get_by_role("button", name="Signaler la conversation").click()
    await page.get_by_label("Qu'est-ce qui ne va pas ?").fill("Propos insultants.")
    await page.get_by_role("button", name="Envoyer le signalement").click()
    await expect(page.get_by_text("Merci : les modérateurs vont examiner cette conversation.")).to_be_visible()
    assert await ConversationReport.count() == 1

    await page.get_by_role("button", name="Bloquer Alice Martin").click()
    await page.get_by_role("button", name="Oui, bloquer").click()
    await expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    await expect(page.get_by_text("Pas encore de conversation.")).to_be_visible()  # hidden once blocked
    assert await Block.count() == 1

    await page.get_by_text("Personnes bloquées").click()
    await page.get_by_role("button", name="Débloquer Alice Martin").click()
    await expect(page.get_by_text("Vous avez débloqué Alice Martin")).to_be_visible()
    await expect(page.get_by_text("Vous n'avez bloqué personne.")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/messages-unblocked.png", full_page=True)
    await expect(page.locator("[data-conversation-id]")).to_contain_text("Alice Martin")  # back in the list
    assert await Block.count() == 0
    assert not page.errors, page.errors


async def test_member_adds_a_neighbour_to_a_conversation(fx_page, fx_street, fx_live_api):
    n = fx_street.n
    alice = await fx_live_api(Neighbours.ALICE)
    conversation = await open_conversation(alice, n.community, n.odette)
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto(f"/#/messages/{conversation['id']}")
    await page.get_by_text("Ajouter, quitter, bloquer, signaler").click()
    await page.get_by_role("button", name="Ajouter des personnes").click()
    await expect(page.locator("label[data-user-id]", has_text="Alice Martin")).to_have_count(0)  # already in it
    await page.get_by_label("Jeanne Leroy").check()
    await page.screenshot(path=f"{SHOTS}/messages-add-people.png", full_page=True)
    await page.get_by_role("button", name="Ajouter à la conversation").click()
    await expect(page.get_by_text("Ajouté à la conversation : Jeanne Leroy.")).to_be_visible()
    await expect(page.locator(".message-note")).to_contain_text("Odette Lambert a ajouté Jeanne Leroy à la conversation")
    await expect(page.get_by_role("heading", name="Alice Martin, Jeanne Leroy")).to_be_visible()
    assert await Participant.count().where(Participant.conversation == conversation["id"]) == 3
    assert not page.errors, page.errors


async def test_a_message_sent_before_the_live_stream_is_ready_appears_and_the_reply_being_typed_stays(
        fx_page, fx_street, fx_live_api):
    # The thread is read first, then the live stream subscribes: a message sent in between reached no
    # stream. Here the stream is held until it is sent; once ready, the thread reads what is newer than
    # what it shows — without touching the reply Odette is typing.
    n = fx_street.n
    alice = await fx_live_api(Neighbours.ALICE)
    conversation = await open_conversation(alice, n.community, n.odette)

    async def alice_writes(body: str, key: str) -> None:
        sent = await alice.request("POST", f"/api/v1/messages/conversations/{conversation['id']}/messages",
                                   json={"body": body}, headers={"Idempotency-Key": key})
        assert sent.status_code == 201, sent.text

    await alice_writes("Bonjour Odette", "gap-message-00001")
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    held = await HeldStreams.on(page.context)
    await page.goto(f"/#/messages/{conversation['id']}")
    await expect(page.locator(".message--theirs")).to_contain_text("Bonjour Odette")
    await held.wait_asked()
    reply = page.get_by_label("Votre message")
    await reply.fill("Je passe ce soir")

    await alice_writes("Tu as vu le camion ?", "gap-message-00002")
    held.release()
    await expect(page.locator(".message--theirs")).to_have_count(2, timeout=10_000)
    await expect(page.locator(".message--theirs").last).to_contain_text("Tu as vu le camion ?")
    await expect(reply).to_have_value("Je passe ce soir")
    await expect(reply).to_be_focused()
    assert not page.errors, page.errors


async def test_a_name_typed_while_the_neighbours_load_filters_them_once_loaded(fx_page, fx_street):
    """The picker's list arrives after the search field: what was typed meanwhile must apply to it."""
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    asked, released = asyncio.Event(), asyncio.Event()

    async def hold_directory(route):  # the directory answers only once the name has been typed
        asked.set()
        await released.wait()
        await route.continue_()

    await page.route("**/api/v1/communities/*/directory*", hold_directory)
    await page.goto("/#/messages/nouveau")
    await asyncio.wait_for(asked.wait(), 30)
    await page.get_by_label("Chercher un nom ou une rue").fill("eglise")  # Jeanne lives rue de l'Église
    await expect(page.locator("label[data-user-id]")).to_have_count(0)  # still loading
    released.set()
    await expect(page.locator("label[data-user-id]")).not_to_have_count(0)
    await expect(page.locator("label[data-user-id]:visible")).to_have_count(1)
    await expect(page.locator("label[data-user-id]:visible")).to_contain_text("Jeanne Leroy")
    assert not page.errors, page.errors
