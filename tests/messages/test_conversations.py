"""Conversations between active members of one community; messages only their participants read;
posting is idempotent (offline outbox) and validated."""

from __future__ import annotations

import pytest

from backend.delivery.tables import Outbox
from backend.messages.tables import Conversation, Message, Participant
from tests.builders import World
from tests.messages.helpers import idem, neighbourhood, open_conversation, say


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash)


async def test_members_talk_and_only_participants_read(api, world):
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"], world.users["referent"],
                                   title="Fête des voisins")
    assert conv["title"] == "Fête des voisins" and conv["community_id"] == world.community
    assert {p["id"] for p in conv["participants"]} == {world.users["voisin0"], world.users["referent"]}
    assert conv["can_post"] is True and conv["unread"] == 0 and conv["last_message"] is None
    sent = await say(alice, conv["id"], "On fait ça le 21 juin ?")
    assert sent["author"] == {"id": world.users["member"], "name": "Member Test"} and sent["mine"] is True

    referent = await api.as_user(world.email("referent"))
    page = (await referent.get(f"/api/v1/messages/conversations/{conv['id']}/messages")).json()
    assert [m["body"] for m in page["items"]] == ["On fait ça le 21 juin ?"] and page["items"][0]["mine"] is False
    listed = (await referent.get("/api/v1/messages/conversations")).json()
    assert [c["id"] for c in listed] == [conv["id"]] and listed[0]["last_message"]["body"] == "On fait ça le 21 juin ?"

    # Outsiders, moderators included, get nothing: not the conversation, not its messages, not a post.
    for role in ("voisin1", "other_member", "staff", "moderator", "admin", "unverified"):
        outsider = await api.as_user(world.email(role))
        for path in (f"/api/v1/messages/conversations/{conv['id']}",
                     f"/api/v1/messages/conversations/{conv['id']}/messages"):
            r = await outsider.get(path)
            assert r.status_code == 404 and r.json()["code"] == "conversation_not_found", (role, r.text)
            assert "21 juin" not in r.text
        await say(outsider, conv["id"], "Je m'invite", status=404)
        assert (await outsider.get("/api/v1/messages/conversations")).json() == []


async def test_writing_again_to_the_same_person_reuses_the_conversation(api, world):
    alice = await api.as_user(world.email("member"))
    first = await open_conversation(alice, world.community, world.users["voisin0"])
    r = await alice.post(f"/api/v1/communities/{world.community}/conversations",
                         {"participant_ids": [world.users["voisin0"], world.users["member"]]})
    assert r.status_code == 200 and r.json()["id"] == first["id"]
    bob = await api.as_user(world.email("voisin0"))
    assert (await open_conversation(bob, world.community, world.users["member"]))["id"] == first["id"]
    group = await open_conversation(alice, world.community, world.users["voisin0"], world.users["voisin1"])
    assert group["id"] != first["id"]
    headers = idem()  # a group creation replayed with its key: the same conversation
    body = {"participant_ids": [world.users["voisin1"], world.users["voisin2"]]}
    one = await alice.post(f"/api/v1/communities/{world.community}/conversations", body, headers=headers)
    two = await alice.post(f"/api/v1/communities/{world.community}/conversations", body, headers=headers)
    assert (one.status_code, two.status_code) == (201, 200) and one.json()["id"] == two.json()["id"]
    assert await Conversation.count() == 3


@pytest.mark.parametrize("who, code", [
    ("other_member", "not_a_member"),  # a member of the sibling community
    ("unverified", "not_a_member"),  # a pending sign-up of this community
    ("staff", "not_a_member"),
    ("member", "no_participants"),  # only oneself
])
async def test_conversation_only_with_active_members_of_the_community(api, world, who, code):
    alice = await api.as_user(world.email("member"))
    r = await alice.post(f"/api/v1/communities/{world.community}/conversations",
                         {"participant_ids": [world.users[who]]})
    assert r.status_code == 400 and r.json()["code"] == code, r.text
    assert await Conversation.count() == 0 and await Participant.count() == 0


async def test_replayed_message_returns_the_first_and_creates_nothing(api, world):
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    url = f"/api/v1/messages/conversations/{conv['id']}/messages"
    headers = idem()
    first = await alice.post(url, {"body": "Colis déposé chez moi"}, headers=headers)
    again = await alice.post(url, {"body": "Colis déposé chez moi"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200) and again.json() == first.json()
    assert await Message.count() == 1
    assert await Outbox.count().where(Outbox.kind == "message") == 1
    other = await open_conversation(alice, world.community, world.users["voisin1"])
    reused = await alice.post(f"/api/v1/messages/conversations/{other['id']}/messages", {"body": "x"},
                              headers=headers)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    missing = await alice.post(url, {"body": "Sans clé"})
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
async def test_bad_message_is_refused_in_french_and_nothing_is_written(api, world, body):
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    r = await alice.post(f"/api/v1/messages/conversations/{conv['id']}/messages", {"body": body}, headers=idem())
    assert r.status_code == 400 and r.json()["code"] == "invalid_message" and "4000" in r.json()["detail"]
    assert await Message.count() == 0 and await Outbox.count() == 0
    assert (await say(alice, conv["id"], "x" * 4000))["body"] == "x" * 4000


async def test_pages_of_messages_oldest_first(api, world):
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    ids = [(await say(alice, conv["id"], f"message {i}"))["id"] for i in range(5)]
    url = f"/api/v1/messages/conversations/{conv['id']}/messages"
    latest = (await alice.get(url, params={"limit": 2})).json()
    assert [m["id"] for m in latest["items"]] == ids[3:] and latest["next_before"] == ids[3]
    older = (await alice.get(url, params={"limit": 2, "before": ids[3]})).json()
    assert [m["id"] for m in older["items"]] == ids[1:3]
    newer = (await alice.get(url, params={"after": ids[1]})).json()
    assert [m["id"] for m in newer["items"]] == ids[2:] and newer["next_before"] is None


async def test_someone_added_later_reads_only_what_follows(api, world):
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    await say(alice, conv["id"], "Avant ton arrivée")
    r = await alice.post(f"/api/v1/messages/conversations/{conv['id']}/participants",
                         {"user_ids": [world.users["voisin1"]]})
    assert r.status_code == 200 and len(r.json()["participants"]) == 2
    await say(alice, conv["id"], "Bienvenue")
    carol = await api.as_user(world.email("voisin1"))
    page = (await carol.get(f"/api/v1/messages/conversations/{conv['id']}/messages")).json()
    assert [(m["kind"], m["body"]) for m in page["items"]] == [("added", "Voisin1 Test"), ("text", "Bienvenue")]
    bad = await alice.post(f"/api/v1/messages/conversations/{conv['id']}/participants",
                           {"user_ids": [world.users["other_member"]]})
    assert bad.status_code == 400 and bad.json()["code"] == "not_a_member"
