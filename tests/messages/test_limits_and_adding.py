"""Hourly limits on messages and new conversations (Valkey, per member, replays not counted);
adding people to a conversation: only its participants, only active members of its community,
never against a block, 50 people at most."""

from __future__ import annotations

import pytest

from backend.messages.tables import Conversation, Message, Participant
from tests.builders import World, add_members
from tests.conftest import Api
from tests.messages.helpers import idem, neighbourhood, open_conversation, say


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash)


async def test_messages_per_member_are_limited_and_replays_not_counted(fx_app_factory, world):
    app = await fx_app_factory(messages_per_hour=3)
    alice, bob = Api(app), Api(app)
    await alice.login(world.email("member"))
    await bob.login(world.email("voisin0"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    url = f"/api/v1/messages/conversations/{conv['id']}/messages"
    first_key = idem()
    first = await alice.post(url, {"body": "Un"}, headers=first_key)
    assert first.status_code == 201
    for _ in range(3):  # replays of the first answer 200 and count for nothing
        replay = await alice.post(url, {"body": "Un"}, headers=first_key)
        assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    await say(alice, conv["id"], "Deux")
    await say(alice, conv["id"], "Trois")
    refused = await alice.post(url, {"body": "Quatre"}, headers=idem())
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "message_rate_limited" and "3 messages" in refused.json()["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600 and refused.json()["detail"].endswith(" min.")
    assert await Message.count().where(Message.author == world.users["member"]) == 3
    late_replay = await alice.post(url, {"body": "Un"}, headers=first_key)  # the outbox still gets its answer
    assert late_replay.status_code == 200 and late_replay.json()["id"] == first.json()["id"]
    await say(bob, conv["id"], "Moi je peux encore")  # another member has their own count
    assert await Message.count().where(Message.body == "Quatre") == 0
    await alice.aclose()
    await bob.aclose()


async def test_new_conversations_per_member_are_limited(fx_app_factory, world):
    app = await fx_app_factory(conversations_per_hour=2)
    alice, bob = Api(app), Api(app)
    await alice.login(world.email("member"))
    await bob.login(world.email("voisin0"))
    url = f"/api/v1/communities/{world.community}/conversations"
    key = idem()
    first = await alice.post(url, {"participant_ids": [world.users["voisin0"]]}, headers=key)
    assert first.status_code == 201
    assert (await alice.post(url, {"participant_ids": [world.users["voisin0"]]}, headers=key)).status_code == 200
    # writing again to the same person reuses the conversation: not a new one
    assert (await alice.post(url, {"participant_ids": [world.users["voisin0"]]})).status_code == 200
    assert (await alice.post(url, {"participant_ids": [world.users["voisin1"]]})).status_code == 201
    refused = await alice.post(url, {"participant_ids": [world.users["voisin2"]]})
    assert refused.status_code == 429 and refused.json()["code"] == "conversation_rate_limited", refused.text
    assert "Retry-After" in refused.headers and refused.json()["detail"].startswith("Vous avez déjà ouvert 2")
    assert await Conversation.count().where(Conversation.created_by == world.users["member"]) == 2
    again = await alice.post(url, {"participant_ids": [world.users["voisin1"]]})  # an existing one still opens
    assert again.status_code == 200
    other = await bob.post(url, {"participant_ids": [world.users["voisin2"]]})
    assert other.status_code == 201
    await alice.aclose()
    await bob.aclose()


async def test_only_participants_add_people(api, world):
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    outsider = await api.as_user(world.email("voisin1"))
    url = f"/api/v1/messages/conversations/{conv['id']}/participants"
    r = await outsider.post(url, {"user_ids": [world.users["voisin2"]]})
    # like every conversation route: someone outside it does not learn that it exists
    assert r.status_code == 404 and r.json()["code"] == "conversation_not_found"
    assert await Participant.count().where(Participant.conversation == conv["id"]) == 2
    r = await alice.post(url, {"user_ids": [world.users["voisin1"], world.users["voisin2"]]})
    assert r.status_code == 200, r.text
    assert {p["id"] for p in r.json()["participants"]} == {world.users[k] for k in ("voisin0", "voisin1", "voisin2")}
    notes = await Message.select(Message.kind, Message.body).where(Message.conversation == conv["id"])
    assert notes == [{"kind": "added", "body": "Voisin1 Test, Voisin2 Test"}]


async def test_nobody_added_from_another_community_or_against_a_block(api, world):
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    url = f"/api/v1/messages/conversations/{conv['id']}/participants"
    r = await alice.post(url, {"user_ids": [world.users["other_member"]]})
    assert r.status_code == 400 and r.json()["code"] == "not_a_member"
    carol = await api.as_user(world.email("voisin1"))
    assert (await carol.post("/api/v1/messages/blocks", {"user_id": world.users["member"]})).status_code == 204
    r = await alice.post(url, {"user_ids": [world.users["voisin1"]]})
    assert r.status_code == 403 and r.json()["code"] == "blocked" and "Voisin1" in r.json()["detail"]
    assert (await alice.post("/api/v1/messages/blocks", {"user_id": world.users["voisin2"]})).status_code == 204
    r = await alice.post(url, {"user_ids": [world.users["voisin2"]]})
    assert r.status_code == 403 and "débloquez" in r.json()["detail"]
    assert await Participant.count().where(Participant.conversation == conv["id"]) == 2
    assert await Message.count().where(Message.conversation == conv["id"]) == 0


async def test_a_conversation_holds_50_people_at_most(api, world, fx_password_hash):
    crowd = await add_members(fx_password_hash, world.community, 48, prefix="foule")
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, world.users["voisin0"], *crowd, title="Fête des voisins")
    assert len(conv["participants"]) == 49  # 50 with Alice
    r = await alice.post(f"/api/v1/messages/conversations/{conv['id']}/participants",
                         {"user_ids": [world.users["voisin1"]]})
    assert r.status_code == 400 and r.json()["code"] == "too_many_participants" and "50" in r.json()["detail"]
    assert await Participant.count().where(Participant.conversation == conv["id"]) == 50


async def test_limit_fails_open_while_valkey_is_down(fx_app_factory, world, tmp_path, monkeypatch):
    from backend.devtools.loopback import free_port
    from backend.devtools.valkey import EmbeddedValkey
    from backend.live import service

    # The messages' live events cannot be published either; their background retries (0.5 + 2 + 5 s)
    # held the app's stop 7.5 s (it lets publishes under way finish). None here: this test is about the
    # limits, the retries are tests/live/test_publish_timeout.py's.
    monkeypatch.setattr(service, "RETRY_DELAYS", ())

    down = EmbeddedValkey(tmp_path / "valkey", port=free_port())  # never started
    app = await fx_app_factory(valkey_url=down.url, run_workers_in_process=False, messages_per_hour=1,
                               conversations_per_hour=1)
    alice = Api(app)
    await alice.login(world.email("member"))
    first = await open_conversation(alice, world.community, world.users["voisin0"])
    second = await open_conversation(alice, world.community, world.users["voisin1"])
    assert first["id"] != second["id"]
    for body in ("Un", "Deux"):  # over the limit of one, yet written: better than refusing everything
        await say(alice, first["id"], body)
    assert await Message.count().where(Message.author == world.users["member"]) == 2
    await alice.aclose()
