"""GET /api/v1/live: each person hears their own channels, from any API instance or worker."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import pytest
from litestar import Litestar

from backend.auth import sessions
from backend.live.service import READY_TYPE, LiveChannels, LiveEvent, publish
from tests.builders import World
from tests.live.sse import SseStream, wait_until

async def subscribers(valkey: Any, channel: str) -> int:
    return dict(await valkey.pubsub_numsub(channel))[channel.encode()]


@asynccontextmanager
async def live(app: Litestar, world: World, role: str, valkey: Any, ready_on: str) -> AsyncIterator[SseStream]:
    """`role`'s stream, once it said `ready`: Valkey then routes `ready_on` to it."""
    token = await sessions.create_session(world.users[role], 3600)
    async with SseStream(app, "/api/v1/live", token) as stream:
        assert stream.status == 200, stream.status
        assert stream.headers["content-type"].startswith("text/event-stream")
        opening = await stream.next_message()
        assert opening.retry == 5000 and opening.data is None
        while (ready := await stream.next_message()).event != READY_TYPE:
            assert ready.comments == ["ping"], ready  # nothing but keep-alives before it
        assert await _subscribed(valkey, ready_on), f"ready, but no subscriber on {ready_on}"
        yield stream


async def _subscribed(valkey: Any, channel: str) -> bool:
    return await subscribers(valkey, channel) > 0


def event(type_: str, **target: Any) -> LiveEvent:
    return LiveEvent(type=type_, data={"what": type_}, **target)


async def test_member_hears_their_community_and_not_another_nor_moderation(fx_app, world, valkey):
    async with live(fx_app, world, "member", valkey, f"community:{world.community}") as stream:
        assert await publish(fx_app, event("alert.created", community_id=world.sibling))
        assert await publish(fx_app, event("moderation.changed", moderators=True))
        assert await publish(fx_app, event("message.created", user_id=world.users["staff"]))
        assert await publish(fx_app.state, event("alert.created", community_id=world.community))

        message = await stream.next_event()
        assert message.event == "alert.created"
        assert json.loads(message.data) == {"what": "alert.created"}
        assert message.id and len(message.id) == 32
        await stream.no_event()


async def test_event_sent_to_two_of_a_members_channels_arrives_once(fx_app, world, valkey):
    async with live(fx_app, world, "member", valkey, f"community:{world.community}") as stream:
        assert await publish(fx_app, event("gazette.posted", community_id=world.community,
                                           user_id=world.users["member"]))
        first = await stream.next_event()
        assert first.event == "gazette.posted"
        await stream.no_event()


async def test_moderator_hears_moderation_and_every_community(fx_app, world, valkey):
    async with live(fx_app, world, "moderator", valkey, "moderation") as stream:
        assert await publish(fx_app, event("moderation.changed", moderators=True))
        assert (await stream.next_event()).event == "moderation.changed"
        assert await publish(fx_app, event("alert.created", community_id=world.foreign))
        assert (await stream.next_event()).event == "alert.created"


async def test_staff_hear_the_communities_and_broadcasts_of_their_commune_only(fx_app, world, valkey):
    async with live(fx_app, world, "staff", valkey, f"commune:{world.commune}") as stream:
        for channel in (f"community:{world.community}", f"community:{world.sibling}"):
            assert await subscribers(valkey, channel) == 1
        assert await publish(fx_app, event("alert.created", community_id=world.foreign))
        assert await publish(fx_app, event("mairie.broadcast", commune_id=world.other_commune))
        assert await publish(fx_app, event("counters.changed", community_id=world.sibling))
        assert (await stream.next_event()).event == "counters.changed"
        assert await publish(fx_app, event("mairie.broadcast", commune_id=world.commune))
        assert (await stream.next_event()).event == "mairie.broadcast"
        await stream.no_event()


async def test_pending_member_hears_only_their_own_channel(fx_app, world, valkey):
    async with live(fx_app, world, "unverified", valkey, f"user:{world.users['unverified']}") as stream:
        assert await subscribers(valkey, f"community:{world.community}") == 0
        assert await publish(fx_app, event("alert.created", community_id=world.community))
        assert await publish(fx_app, event("mairie.broadcast", commune_id=world.commune))
        assert await publish(fx_app, event("letter.sent", user_id=world.users["unverified"]))
        assert (await stream.next_event()).event == "letter.sent"


async def test_event_published_by_a_worker_with_a_plain_publish_reaches_the_stream(fx_app, world, valkey):
    async with live(fx_app, world, "member", valkey, f"community:{world.community}") as stream:
        wire = {"id": "0123456789abcdef", "type": "alert.created", "data": {"alert_id": 7}}
        assert await valkey.publish(f"community:{world.community}", json.dumps(wire)) == 1
        message = await stream.next_event()
        assert (message.event, message.id, json.loads(message.data)) == ("alert.created", "0123456789abcdef",
                                                                           {"alert_id": 7})

        ctx = {"valkey": valkey}  # a SAQ job's context
        assert await publish(ctx, event("alert.updated", community_id=world.community))
        assert (await stream.next_event()).event == "alert.updated"


async def test_event_published_on_one_api_instance_reaches_a_stream_on_another(fx_app_factory, world, valkey):
    first, second = await fx_app_factory(), await fx_app_factory()
    async with live(second, world, "member", valkey, f"community:{world.community}") as stream:
        assert await publish(first.plugins.get(LiveChannels), event("alert.created", community_id=world.community))
        assert (await stream.next_event()).event == "alert.created"
        assert await publish(first, event("alert.updated", community_id=world.community))
        assert (await stream.next_event()).event == "alert.updated"


async def test_idle_stream_gets_keepalive_comments(fx_app_factory, world, valkey):
    app = await fx_app_factory(live_ping_seconds=0.2)
    async with live(app, world, "member", valkey, f"community:{world.community}") as stream:
        ping = await stream.next_message(timeout=2)
        assert ping.comments == ["ping"] and ping.event is None and ping.data is None


async def test_leaving_the_stream_releases_its_subscriptions(fx_app, world, valkey):
    channel = f"community:{world.community}"
    plugin = fx_app.plugins.get(LiveChannels)
    async with live(fx_app, world, "member", valkey, channel):
        async with live(fx_app, world, "referent", valkey, channel):
            assert await subscribers(valkey, channel) == 1  # one pub/sub connection per process
        assert await subscribers(valkey, channel) == 1  # the member still listens
    await wait_until(lambda: _gone(valkey, channel), f"{channel} to be unsubscribed")
    assert not any(plugin._channels.values()), plugin._channels


async def _gone(valkey: Any, channel: str) -> bool:
    return await subscribers(valkey, channel) == 0


async def test_stream_ends_after_its_lifetime_and_a_client_may_shorten_it(fx_app_factory, world, valkey):
    app = await fx_app_factory(live_max_stream_seconds=0.5)
    async with live(app, world, "member", valkey, f"community:{world.community}") as stream:
        with pytest.raises(EOFError):
            await stream.next_event(timeout=2)
    token = await sessions.create_session(world.users["member"], 3600)
    async with SseStream(app, "/api/v1/live", token, "max_seconds=0") as stream:
        assert (await stream.next_message()).retry == 5000
        with pytest.raises(EOFError):
            await stream.next_message(timeout=1)


async def test_anonymous_caller_is_refused(fx_app):
    async with SseStream(fx_app, "/api/v1/live") as stream:
        assert stream.status == 401
