"""Unread counts per conversation and in total; blocking a member; leaving a conversation."""

from __future__ import annotations

import pytest

from tests.builders import World
from tests.messages.helpers import neighbourhood, open_conversation, say


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash)


async def unread(client) -> dict:
    return (await client.get("/api/v1/messages/unread")).json()


async def test_unread_counts_per_conversation_and_in_total(api, world):
    alice, bob, carol = [await api.as_user(world.email(r)) for r in ("member", "voisin0", "voisin1")]
    pair = await open_conversation(alice, world.community, world.users["voisin0"])
    group = await open_conversation(carol, world.community, world.users["voisin0"], world.users["member"])
    sent = [await say(alice, pair["id"], f"message {i}") for i in range(3)]
    await say(carol, group["id"], "Réunion jeudi")
    assert await unread(bob) == {"total": 4, "conversations": [{"conversation_id": pair["id"], "unread": 3},
                                                               {"conversation_id": group["id"], "unread": 1}]}
    assert await unread(alice) == {"total": 1, "conversations": [{"conversation_id": group["id"], "unread": 1}]}
    listed = {c["id"]: c["unread"] for c in (await bob.get("/api/v1/messages/conversations")).json()}
    assert listed == {pair["id"]: 3, group["id"]: 1}

    r = await bob.post(f"/api/v1/messages/conversations/{pair['id']}/read", {"message_id": sent[1]["id"]})
    assert r.status_code == 200 and r.json()["total"] == 2
    detail = (await bob.get(f"/api/v1/messages/conversations/{pair['id']}")).json()
    assert detail["unread"] == 1 and detail["last_read"] == sent[1]["id"]
    await bob.post(f"/api/v1/messages/conversations/{pair['id']}/read", {"message_id": sent[0]["id"]})  # never back
    assert (await unread(bob))["total"] == 2
    await bob.post(f"/api/v1/messages/conversations/{group['id']}/read", {})
    await bob.post(f"/api/v1/messages/conversations/{pair['id']}/read")  # no body: up to the latest
    assert await unread(bob) == {"total": 0, "conversations": []}
    await say(bob, pair["id"], "Bien reçu")  # one's own messages are never unread
    assert await unread(bob) == {"total": 0, "conversations": []} and (await unread(alice))["total"] == 2


async def test_blocked_member_cannot_write_to_the_blocker_and_their_conversation_is_hidden(api, world):
    alice, bob, carol = [await api.as_user(world.email(r)) for r in ("member", "voisin0", "voisin1")]
    pair = await open_conversation(alice, world.community, world.users["voisin0"])
    group = await open_conversation(alice, world.community, world.users["voisin0"], world.users["voisin1"])
    await say(alice, pair["id"], "Tu me prêtes ta tondeuse ?")
    assert (await bob.post("/api/v1/messages/blocks", {"user_id": world.users["member"]})).status_code == 204

    # Alice can no longer write to Bob, nor open a new conversation with him.
    refused = await say(alice, pair["id"], "Alors ?", status=403)
    assert refused["code"] == "blocked"
    r = await alice.post(f"/api/v1/communities/{world.community}/conversations",
                         {"participant_ids": [world.users["voisin0"]]})
    assert r.status_code == 403 and r.json()["code"] == "blocked"
    # Their two-person conversation is hidden from both, unread included.
    for client in (alice, bob):
        assert pair["id"] not in {c["id"] for c in (await client.get("/api/v1/messages/conversations")).json()}
        assert (await client.get(f"/api/v1/messages/conversations/{pair['id']}")).status_code == 404
    assert await unread(bob) == {"total": 0, "conversations": []}
    # In a group, Bob no longer sees Alice's messages; Carol does; Alice still talks to Carol.
    await say(alice, group["id"], "Apéro samedi ?")
    await say(carol, group["id"], "Oui !")
    bob_page = (await bob.get(f"/api/v1/messages/conversations/{group['id']}/messages")).json()
    carol_page = (await carol.get(f"/api/v1/messages/conversations/{group['id']}/messages")).json()
    assert [m["body"] for m in bob_page["items"]] == ["Oui !"]
    assert [m["body"] for m in carol_page["items"]] == ["Apéro samedi ?", "Oui !"]
    assert (await unread(bob))["total"] == 1
    # Bob, the blocker, is told why he cannot open a conversation with Alice.
    r = await bob.post(f"/api/v1/communities/{world.community}/conversations",
                       {"participant_ids": [world.users["member"]]})
    assert r.status_code == 403 and "débloquez" in r.json()["detail"]
    blocks = (await bob.get("/api/v1/messages/blocks")).json()
    assert [(b["user_id"], b["name"]) for b in blocks] == [(world.users["member"], "Member Test")]

    assert (await bob.delete(f"/api/v1/messages/blocks/{world.users['member']}")).status_code == 204
    assert pair["id"] in {c["id"] for c in (await bob.get("/api/v1/messages/conversations")).json()}
    await say(alice, pair["id"], "Merci !")
    self_block = await bob.post("/api/v1/messages/blocks", {"user_id": world.users["voisin0"]})
    assert self_block.status_code == 400 and self_block.json()["code"] == "invalid_block"


async def test_leaving_a_conversation(api, world):
    alice, bob, carol = [await api.as_user(world.email(r)) for r in ("member", "voisin0", "voisin1")]
    group = await open_conversation(alice, world.community, world.users["voisin0"], world.users["voisin1"])
    await say(alice, group["id"], "Qui vient ?")
    assert (await carol.post(f"/api/v1/messages/conversations/{group['id']}/leave")).status_code == 204
    assert (await carol.get("/api/v1/messages/conversations")).json() == []
    assert (await carol.get(f"/api/v1/messages/conversations/{group['id']}/messages")).status_code == 404
    await say(carol, group["id"], "Je reviens", status=404)
    assert (await carol.post(f"/api/v1/messages/conversations/{group['id']}/leave")).status_code == 404

    seen = (await bob.get(f"/api/v1/messages/conversations/{group['id']}")).json()
    assert {p["id"]: p["left"] for p in seen["participants"]} == {world.users["member"]: False,
                                                                 world.users["voisin1"]: True}
    page = (await bob.get(f"/api/v1/messages/conversations/{group['id']}/messages")).json()
    assert [(m["kind"], m["author"]["id"]) for m in page["items"]][-1] == ("left", world.users["voisin1"])
    await say(alice, group["id"], "Tant pis pour Carol")  # the others go on

    # When everyone else has left, there is nobody to write to.
    await bob.post(f"/api/v1/messages/conversations/{group['id']}/leave")
    closed = await say(alice, group["id"], "Il y a quelqu'un ?", status=409)
    assert closed["code"] == "conversation_closed"
    assert (await alice.get(f"/api/v1/messages/conversations/{group['id']}")).json()["can_post"] is False
    # Carol, added back, sees only what follows.
    await alice.post(f"/api/v1/messages/conversations/{group['id']}/participants", {"user_ids": [world.users["voisin1"]]})
    back = (await carol.get(f"/api/v1/messages/conversations/{group['id']}/messages")).json()
    assert [m["kind"] for m in back["items"]] == ["added"]
