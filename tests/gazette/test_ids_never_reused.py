"""Ids are never reused: deleting the newest comment (or post) does not hand its id, and its outbox
and delivery records, to the next one."""

from __future__ import annotations

import asyncio

from backend.delivery.tables import Delivery, Outbox
from backend.gazette.comments import COMMENT_KIND
from backend.lib import clock
from tests.gazette.helpers import new_post


async def test_a_comment_after_deleting_the_newest_one_is_created_with_a_new_id(people, world):
    author = await people("referent")
    member = await people("member")
    post = await new_post(author, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    first = (await member.post(url, {"body": "Bonne nouvelle !"})).json()
    newest = (await member.post(url, {"body": "Enfin !"})).json()
    assert (await member.delete(f"/api/v1/gazette/comments/{newest['id']}")).status_code == 204

    r = await member.post(url, {"body": "Je voulais dire : enfin, merci."})
    assert r.status_code == 201, r.text
    again = r.json()
    assert again["id"] > newest["id"] > first["id"]
    # the new comment has its own outbox row (its author is notified), the deleted one's is untouched
    refs = {row["ref_id"] for row in await Outbox.select(Outbox.ref_id).where(Outbox.kind == COMMENT_KIND)}
    assert refs == {first["id"], newest["id"], again["id"]}
    detail = (await member.get(f"/api/v1/gazette/posts/{post['id']}")).json()
    assert [c["body"] for c in detail["comments"]] == ["Bonne nouvelle !", "Je voulais dire : enfin, merci."]


async def test_a_post_after_deleting_the_newest_one_gets_a_new_id(people, world):
    member = await people("member")
    kept = await new_post(member, world.community, "news")
    newest = await new_post(member, world.community, "classified")
    assert (await member.delete(f"/api/v1/gazette/posts/{newest['id']}")).status_code == 204
    again = await new_post(member, world.community, "classified")
    assert again["id"] > newest["id"] > kept["id"]


async def test_a_stale_outbox_row_left_by_a_deleted_comment_does_not_block_the_new_one(people, world):
    """A database converted from reused ids may still hold the outbox row of a deleted comment
    whose id the next comment gets: the new comment replaces it and is notified."""
    author = await people("referent")
    member = await people("member")
    post = await new_post(author, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    first = (await member.post(url, {"body": "Bonne nouvelle !"})).json()
    await Outbox.insert(Outbox(kind=COMMENT_KIND, ref_id=first["id"] + 1, dispatched_at=clock.now(),
                               completed_at=clock.now(), attempts=3))
    r = await member.post(url, {"body": "Et merci pour l'info."})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == first["id"] + 1
    deadline = asyncio.get_running_loop().time() + 15
    while not await Delivery.exists().where((Delivery.kind == COMMENT_KIND) & (Delivery.ref_id == first["id"] + 1)
                                            & (Delivery.user == world.users["referent"])):
        assert asyncio.get_running_loop().time() < deadline, "the new comment's author was never notified"
        await asyncio.sleep(0.1)
    row = await Outbox.select().where((Outbox.kind == COMMENT_KIND) & (Outbox.ref_id == first["id"] + 1)).first()
    assert row["attempts"] <= 1
