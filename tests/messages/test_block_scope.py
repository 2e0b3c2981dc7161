"""Blocking accepts only people one may know of (a shared community or conversation): trying other
ids tells nothing, not even whether they exist, and reveals no name."""

from __future__ import annotations

import pytest

from backend.communities.tables import Membership
from tests.builders import World
from tests.messages.helpers import neighbourhood, open_conversation, say


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash)


@pytest.mark.parametrize("stranger", ["admin", "moderator", "other_staff", "staff", "other_member", "unverified"])
async def test_blocking_someone_outside_ones_communities_answers_like_a_missing_id(api, world, stranger):
    alice = await api.as_user(world.email("member"))
    refused = await alice.post("/api/v1/messages/blocks", {"user_id": world.users[stranger]})
    missing = await alice.post("/api/v1/messages/blocks", {"user_id": 987654})
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json() and refused.json()["code"] == "user_not_found"
    assert (await alice.get("/api/v1/messages/blocks")).json() == []  # nothing stored, no name shown


async def test_blocking_a_neighbour_of_ones_community_works(api, world):
    alice = await api.as_user(world.email("member"))
    assert (await alice.post("/api/v1/messages/blocks", {"user_id": world.users["voisin0"]})).status_code == 204
    blocks = (await alice.get("/api/v1/messages/blocks")).json()
    assert [(b["user_id"], b["name"]) for b in blocks] == [(world.users["voisin0"], "Voisin0 Test")]


async def test_someone_who_shared_a_conversation_can_be_blocked_after_leaving_the_community(api, world):
    alice, bob = await api.as_user(world.email("member")), await api.as_user(world.email("voisin1"))
    pair = await open_conversation(bob, world.community, world.users["member"])
    await say(bob, pair["id"], "Bonjour Alice")
    await Membership.update({Membership.status: "suspended"}).where(Membership.user == world.users["voisin1"])
    assert (await alice.post("/api/v1/messages/blocks", {"user_id": world.users["voisin1"]})).status_code == 204
