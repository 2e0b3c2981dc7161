"""Community life offline, in Chromium: the Gazette and the directory read from the worker's copy
after one online visit, and a message written offline sent exactly once when back online."""

from __future__ import annotations

import re

from playwright.async_api import expect

from backend.messages.tables import Message
from tests.e2e.community import SHOTS, Street, fx_street, open_conversation, post_gazette  # noqa: F401
from tests.e2e.conftest import (Neighbours, back_online_with_two_replays, browser_login, collect_errors, wait_controlled,
                               wait_for_js, wait_until)

OFFLINE_BANNER = re.compile(r"Hors ligne — données du \d\d/\d\d à \d\d:\d\d")
OUTBOX = "import('/sw/outbox.js').then((m) => m.listOutbox('message'))"


def cached(path_part: str) -> str:
    """A page expression: is an API answer whose URL contains `path_part` in the worker's copy?"""
    return ("caches.open('vigie-api').then((c) => c.keys())"
            f".then((keys) => keys.some((r) => r.url.includes({path_part!r})))")


def unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the network being cut on purpose."""
    return [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]


async def text_messages() -> int:
    return await Message.count().where(Message.kind == "text")


async def text_messages_is(count: int) -> bool:
    return await text_messages() == count


async def test_gazette_and_directory_read_offline_after_one_visit(fx_persistent, fx_street, fx_live_api):
    community = fx_street.n.community
    alice = await fx_live_api(Neighbours.ALICE)
    post = await post_gazette(alice, community, kind="classified", title="Donne chaton tigré", body="Il a 3 mois.",
                              free=True)
    context = await fx_persistent()
    await browser_login(context, Neighbours.ODETTE)
    page = context.pages[0]
    errors = collect_errors(page)
    await page.goto("/#/gazette")
    await wait_controlled(page)
    await page.reload()  # this visit goes through the worker, which keeps a copy
    await page.get_by_role("link", name="Donne chaton tigré").click()
    await expect(page.get_by_role("heading", name="Donne chaton tigré")).to_be_visible()
    await page.get_by_role("link", name="Annuaire").click()
    await expect(page.locator("[data-user-id]").filter(has_text="Alice Martin")).to_be_visible()
    for part in (f"/communities/{community}/gazette?limit=20", f"/gazette/posts/{post['id']}",
                 f"/communities/{community}/directory"):
        await wait_for_js(page, cached(part))

    await context.set_offline(True)
    await page.goto("/#/gazette")
    await page.reload()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible()
    card = page.locator(f'[data-post-id="{post["id"]}"]')
    await expect(card).to_contain_text("Gratuit")
    await page.screenshot(path=f"{SHOTS}/gazette-offline.png", full_page=True)
    await card.get_by_role("link", name="Donne chaton tigré").click()
    await expect(page.get_by_role("heading", name="Donne chaton tigré")).to_be_visible()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible()
    # The comment box stays, and says a comment written now waits on the phone (issue 14).
    await expect(page.get_by_role("button", name="Publier le commentaire")).to_be_visible()
    await expect(page.get_by_text("Hors ligne : votre commentaire sera gardé sur ce téléphone")).to_be_visible()

    await page.get_by_role("link", name="Annuaire").click()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible()
    await expect(page.locator("[data-user-id]").filter(has_text="Alice Martin")).to_be_visible()
    await page.get_by_label("Chercher un voisin").fill("leroy")  # searched on the device
    await expect(page.locator("[data-user-id]")).to_have_count(1)
    await expect(page.locator("[data-user-id]")).to_contain_text("Jeanne Leroy")
    await page.screenshot(path=f"{SHOTS}/directory-offline.png", full_page=True)
    await page.locator("[data-user-id]").get_by_role("link", name="Jeanne Leroy").click()
    await expect(page.get_by_role("heading", name="Jeanne Leroy")).to_be_visible()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible()
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors


async def test_message_written_offline_is_sent_exactly_once(fx_persistent, fx_street, fx_live_api):
    n = fx_street.n
    alice = await fx_live_api(Neighbours.ALICE)
    conversation = await open_conversation(alice, n.community, n.odette)
    context = await fx_persistent()
    await browser_login(context, Neighbours.ODETTE)
    page = context.pages[0]
    errors = collect_errors(page)
    await page.goto(f"/#/messages/{conversation['id']}")
    await wait_controlled(page)
    await expect(page.get_by_role("heading", name="Alice Martin")).to_be_visible()
    assert await text_messages() == 0

    await context.set_offline(True)
    await page.get_by_label("Votre message").fill("Je passe ce soir vers 18 h.")
    await page.get_by_role("button", name="Envoyer", exact=True).click()
    waiting = page.locator("[data-outbox-id]")
    await expect(waiting).to_contain_text("En attente d'envoi")
    await expect(waiting).to_contain_text("Je passe ce soir vers 18 h.")
    await expect(page.get_by_text("Pas de connexion : votre message est gardé")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/messages-pending.png", full_page=True)
    [item] = await page.evaluate(OUTBOX)
    assert item["headers"]["Idempotency-Key"] == item["id"] and item["state"] == "pending"
    assert await text_messages() == 0

    # Back online: Background Sync and a replay from the page race; one message on the server.
    await back_online_with_two_replays(context, page)
    await wait_until(lambda: text_messages_is(1), what="the message on the server")
    await expect(page.locator("[data-outbox-id]")).to_have_count(0)
    await expect(page.locator("[data-message-id]")).to_contain_text("Je passe ce soir vers 18 h.")
    await expect(page.locator("[data-message-id]")).to_have_count(1)
    assert await page.evaluate(OUTBOX) == []
    await wait_for_js(page, "navigator.locks.query().then((s) => s.held.length + s.pending.length === 0)")
    await page.evaluate("import('/js/outbox.js').then((m) => m.replayNow())")  # nothing left to send
    assert await text_messages() == 1
    sent = await Message.select(Message.idempotency_key, Message.body).where(Message.kind == "text").first()
    assert (sent["idempotency_key"], sent["body"]) == (item["id"], "Je passe ce soir vers 18 h.")
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors
