"""Per-person limits on Gazette posts and comments (Valkey counters): the one past the limit is
refused with 429, a French message and Retry-After, and nothing is created; other people are
unaffected, mairie communications are not limited, and the window ends."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest

from backend.gazette.tables import GazetteComment, GazettePost
from tests.gazette.helpers import communicate, new_post, sample

WINDOW = 3  # seconds (room for a slow machine between the first and the last request)


@pytest.fixture
async def fx_app(fx_app_factory: Callable[..., Any], fx_delivery_overrides: dict[str, Any], fx_push: Any,
                 fx_sms: Any, fx_mail: Any, fx_settings: Any) -> Any:
    """The Gazette's app with two posts and two comments per person in a three-second window."""
    from backend.delivery.channels.vapid import ensure_vapid_keys

    ensure_vapid_keys(fx_settings)
    fx_push.clear()
    return await fx_app_factory(**fx_delivery_overrides, gazette_posts_per_hour=2, gazette_comments_per_hour=2,
                                gazette_limit_window_seconds=WINDOW)


async def test_a_member_past_the_post_limit_is_refused_and_nothing_is_created(people, world):
    member, referent, staff = await people("member"), await people("referent"), await people("staff")
    url = f"/api/v1/communities/{world.community}/gazette"
    r = await member.post(url, sample("news", title="x"))  # refused for its title: not counted
    assert r.status_code == 400 and r.json()["code"] == "invalid_title"
    await new_post(member, world.community, "news", title="Première")
    await new_post(member, world.community, "carpool", title="Deuxième")

    r = await member.post(url, sample("news", title="Troisième"))
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["code"] == "gazette_post_rate_limited"
    assert body["detail"].startswith("Vous avez atteint la limite de 2 publications par heure dans la Gazette.")
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW
    assert await GazettePost.count().where(GazettePost.author == world.users["member"]) == 2

    # Someone else in the same community posts; the mairie's communications are not limited.
    await new_post(referent, world.community, "news", title="Du référent")
    for i in range(3):
        await communicate(staff, world.commune, title=f"Communication {i + 1}")

    await asyncio.sleep(retry_after + 0.3)  # the window ends
    await new_post(member, world.community, "news", title="Troisième, plus tard")
    assert await GazettePost.count().where(GazettePost.author == world.users["member"]) == 3


async def test_comments_past_the_limit_are_refused_for_that_person_only(people, world):
    member, referent = await people("member"), await people("referent")
    post = await new_post(referent, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    for text in ("Merci !", "À samedi."):
        assert (await member.post(url, {"body": text})).status_code == 201

    r = await member.post(url, {"body": "Encore un mot."})
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "gazette_comment_rate_limited"
    assert r.json()["detail"].startswith("Vous avez atteint la limite de 2 commentaires par heure dans la Gazette.")
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW
    assert [c["body"] for c in await GazetteComment.select(GazetteComment.body).order_by(GazetteComment.id)] == [
        "Merci !", "À samedi."]

    assert (await referent.post(url, {"body": "Avec plaisir."})).status_code == 201
    await asyncio.sleep(retry_after + 0.3)
    assert (await member.post(url, {"body": "Encore un mot."})).status_code == 201
    assert await GazetteComment.count().where(GazetteComment.author == world.users["member"]) == 3


async def test_a_replayed_comment_is_neither_refused_nor_counted_by_the_limit(people, world):
    member, referent = await people("member"), await people("referent")
    post = await new_post(referent, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    for n in (1, 2):
        r = await member.post(url, {"body": f"Commentaire {n}"}, headers={"Idempotency-Key": f"comment-key-000{n}"})
        assert r.status_code == 201, r.text
    replay = await member.post(url, {"body": "Commentaire 1"}, headers={"Idempotency-Key": "comment-key-0001"})
    assert replay.status_code == 200, replay.text  # the outbox sending it again after a lost answer
    r = await member.post(url, {"body": "Commentaire 3"}, headers={"Idempotency-Key": "comment-key-0003"})
    assert r.status_code == 429 and r.json()["code"] == "gazette_comment_rate_limited", r.text
    assert await GazetteComment.count().where(GazetteComment.author == world.users["member"]) == 2
