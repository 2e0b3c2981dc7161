"""A comment sent with an Idempotency-Key (the PWA's offline outbox replaying it, maybe twice at
once) is created exactly once; the replay answers 200 with the first comment, is not counted by
the per-person limit, and a key reused under another post is refused."""

from __future__ import annotations

import asyncio

from backend.delivery.tables import Outbox
from backend.gazette.comments import COMMENT_KIND
from backend.gazette.tables import GazetteComment
from tests.gazette.helpers import new_post

KEY = {"Idempotency-Key": "comment-offline-0001"}


async def test_a_replayed_comment_is_created_once(people, world):
    author, member = await people("referent"), await people("member")
    post = await new_post(author, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    first = await member.post(url, {"body": "Je passe ce soir."}, headers=KEY)
    assert first.status_code == 201, first.text
    again = await member.post(url, {"body": "Je passe ce soir."}, headers=KEY)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert await GazetteComment.count().where(GazetteComment.post == post["id"]) == 1
    assert await Outbox.count().where(Outbox.kind == COMMENT_KIND) == 1  # its author told once


async def test_two_replays_racing_make_one_comment(people, world):
    author, member = await people("referent"), await people("member")
    post = await new_post(author, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    answers = await asyncio.gather(*(member.post(url, {"body": "Merci !"}, headers=KEY) for _ in range(3)))
    assert sorted(r.status_code for r in answers) == [200, 200, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert await GazetteComment.count().where(GazetteComment.post == post["id"]) == 1


async def test_a_key_reused_under_another_post_is_refused(people, world):
    author, member = await people("referent"), await people("member")
    one, other = await new_post(author, world.community, "news"), await new_post(author, world.community, "news")
    assert (await member.post(f"/api/v1/gazette/posts/{one['id']}/comments", {"body": "Oui"}, headers=KEY)).status_code == 201
    r = await member.post(f"/api/v1/gazette/posts/{other['id']}/comments", {"body": "Non"}, headers=KEY)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused", r.text
    assert "clé d'idempotence" in r.json()["detail"]
    assert await GazetteComment.count().where(GazetteComment.post == other["id"]) == 0


async def test_a_bad_key_is_refused_and_a_comment_without_key_still_works(people, world):
    author, member = await people("referent"), await people("member")
    post = await new_post(author, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    r = await member.post(url, {"body": "Oui"}, headers={"Idempotency-Key": "court"})
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_required", r.text
    assert await GazetteComment.count() == 0
    assert (await member.post(url, {"body": "Oui"})).status_code == 201
    assert (await member.post(url, {"body": "Oui"})).status_code == 201  # no key: two comments
    assert await GazetteComment.count() == 2
