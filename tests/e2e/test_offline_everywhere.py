"""Offline beyond alerts and messages (issue 14): a Gazette comment written offline is kept in the
outbox and posted once; every screen whose data came from the worker's copy says so, even one
without a banner of its own; the new-post form says plainly that it needs the network."""

from __future__ import annotations

from playwright.async_api import expect

from backend.gazette.tables import GazetteComment
from tests.e2e.a11y import assert_accessible
from tests.e2e.community import post_gazette
from tests.e2e.conftest import Neighbours, back_online_with_two_replays, open_app, wait_for_js, wait_until
from tests.e2e.test_offline import API_CACHE_SIZE, OFFLINE_BANNER, OUTBOX, unexpected

SHOTS = "/tmp/vigie-screens"


async def test_comment_written_offline_waits_and_is_posted_once(fx_persistent, fx_neighbours, fx_live_api):
    alice = await fx_live_api(Neighbours.ALICE)
    post = await post_gazette(alice, fx_neighbours.community, title="Fête des voisins samedi")
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, f"/#/gazette/{post['id']}")
    await expect(page.get_by_role("heading", name="Fête des voisins samedi")).to_be_visible()
    await wait_for_js(page, f"{API_CACHE_SIZE}.then((n) => n >= 1)")
    # The post's own answer in the worker's copy (the first entry may be another read of the page).
    await wait_for_js(page, "caches.open('vigie-api').then((c) => c.keys()).then((keys) => keys.some("
                            f"(r) => new URL(r.url).pathname.endsWith('/posts/{post['id']}')))")

    await context.set_offline(True)
    await page.reload()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_be_visible()
    # The comment box is still there, and says what happens to a comment written now.
    await expect(page.get_by_text("Hors ligne : votre commentaire sera gardé sur ce téléphone")).to_be_visible()
    await page.get_by_label("Votre commentaire").fill("J'apporte une tarte.")
    await page.get_by_role("button", name="Publier le commentaire").click()
    await expect(page.get_by_text("Pas de connexion : votre commentaire est gardé sur ce téléphone.")).to_be_visible()
    waiting = page.locator("[data-outbox-id]")
    await expect(waiting).to_contain_text("J'apporte une tarte.")
    await expect(waiting).to_contain_text("En attente d'envoi")
    await page.screenshot(path=f"{SHOTS}/gazette-comment-pending.png", full_page=True)
    await assert_accessible(page, "a post offline with a comment waiting")
    [item] = await page.evaluate(OUTBOX)
    assert item["kind"] == "comment" and item["headers"]["Idempotency-Key"] == item["id"]
    assert await GazetteComment.count() == 0

    # Back online, two replays race (Background Sync and the page): one comment, with the key.
    await back_online_with_two_replays(context, page)

    async def posted() -> bool:
        return await GazetteComment.count() == 1

    await wait_until(posted, what="the comment on the server")
    await expect(page.locator("[data-outbox-id]")).to_have_count(0)
    await expect(page.locator(".comment-body")).to_have_text(["J'apporte une tarte."])
    assert await page.evaluate(OUTBOX) == []
    await wait_for_js(page, "navigator.locks.query().then((s) => s.held.length + s.pending.length === 0)")
    saved = await GazetteComment.select(GazetteComment.idempotency_key).first()
    assert saved["idempotency_key"] == item["id"] and await GazetteComment.count() == 1
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors


async def test_every_screen_read_from_the_copy_says_so_and_a_new_post_needs_the_network(fx_persistent, fx_neighbours):
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/profil")
    await expect(page.get_by_role("heading", name="Ma fiche dans l'annuaire")).to_be_visible()
    await page.reload()  # read again, now through the worker, which keeps a copy
    await wait_for_js(page, "caches.open('vigie-api').then((c) => c.keys()).then((keys) => keys.some((r) => r.url.endsWith('/directory/me')))")

    await context.set_offline(True)
    await page.reload()
    # My directory card has no banner of its own: the app puts one at the top of the screen.
    await expect(page.get_by_role("heading", name="Ma fiche dans l'annuaire")).to_be_visible()
    await expect(page.get_by_text(OFFLINE_BANNER)).to_have_count(1)
    await page.screenshot(path=f"{SHOTS}/profile-offline.png", full_page=True)

    await page.goto("/#/gazette/nouveau")
    await expect(page.get_by_text("Pas de connexion : vous pouvez écrire, mais la publication ne partira")).to_be_visible()
    await expect(page.get_by_text("Publier demande une connexion à Internet.")).to_be_visible()
    await assert_accessible(page, "new post offline")
    await context.set_offline(False)
    await expect(page.get_by_text("Pas de connexion : vous pouvez écrire")).to_be_hidden()
    assert not unexpected(errors + context.worker_errors), errors + context.worker_errors
