"""Service-level guarantees of messaging: racing replays, racing digest workers, who is notified."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from backend.communities.principals import load_principal
from backend.communities.tables import Membership
from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences
from backend.delivery.tables import Outbox
from backend.lib import clock
from backend.lib.errors import DomainError
from backend.messages import conversations, service
from backend.messages.jobs import make_digests
from backend.messages.notify import DIGEST_KIND, MessageNotice
from backend.messages.schemas import ConversationIn
from backend.messages.tables import Message, MessageDigest
from tests.builders import World
from tests.messages.helpers import neighbourhood


@pytest.fixture
async def world(fx_password_hash, fx_settings, fx_engine) -> World:
    return await neighbourhood(fx_password_hash)


async def conversation(world: World, *keys: str) -> tuple[int, dict]:
    people = {k: await load_principal(world.users[k]) for k in ("member", *keys)}
    conv, created = await conversations.create_conversation(people["member"], world.community, ConversationIn(
        participant_ids=[world.users[k] for k in keys]), None)
    assert created
    return conv.id, people


async def test_racing_replays_of_one_message_create_it_once(world):
    conv_id, people = await conversation(world, "voisin0")
    results = await asyncio.gather(*(service.post_message(people["member"], conv_id, "Une seule fois",
                                                          "offline-outbox-key-1") for _ in range(5)))
    assert len({message.id for message, _, _ in results}) == 1
    assert [created for _, created, _ in results].count(True) == 1
    assert await Message.count() == 1 and await Outbox.count().where(Outbox.kind == service.MESSAGE_KIND) == 1


async def test_racing_digest_workers_make_one_digest(world):
    conv_id, people = await conversation(world, "voisin0")
    await delivery.set_preferences(world.users["voisin0"], Preferences(email_messages=True))
    await service.post_message(people["member"], conv_id, "Pour le résumé", "digest-race-key-1")
    clock.advance(timedelta(minutes=6))
    made = await asyncio.gather(*(make_digests() for _ in range(4)))
    assert sum(len(m) for m in made) == 1 and await MessageDigest.count() == 1
    assert await Outbox.count().where(Outbox.kind == DIGEST_KIND) == 1


async def test_push_audience_leaves_out_the_author_who_left_and_former_members(world):
    conv_id, people = await conversation(world, "voisin0", "voisin1", "voisin2")
    await conversations.leave(people["voisin1"], conv_id)
    await Membership.update({Membership.status: "suspended"}).where(Membership.user == world.users["voisin2"])
    message, _, listeners = await service.post_message(people["member"], conv_id, "Qui m'entend ?", "audience-key-1")
    recipients, plan = await MessageNotice().audience(message.id)
    assert [r.user_id for r in recipients] == [world.users["voisin0"]] and plan.channels == ("push",)
    assert set(listeners) == {world.users["member"], world.users["voisin0"], world.users["voisin2"]}
    notice = await MessageNotice().notice(None, message.id)
    assert notice.url == f"/#/messages/{conv_id}" and notice.event == "message" and notice.ref_id == message.id


async def test_a_former_member_no_longer_reads_the_conversation(world):
    conv_id, people = await conversation(world, "voisin0")
    await service.post_message(people["member"], conv_id, "Avant", "former-member-key-1")
    await Membership.update({Membership.status: "suspended"}).where(Membership.user == world.users["voisin0"])
    former = await load_principal(world.users["voisin0"])
    with pytest.raises(DomainError) as refused:
        await service.list_messages(former, conv_id)
    assert refused.value.status_code == 404
    assert await service.list_conversations(former) == []
