"""Live updates are best-effort: a Valkey outage neither stops the API nor ends the streams for good."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

from backend.auth import sessions
from backend.devtools.loopback import free_port
from backend.devtools.valkey import EmbeddedValkey
from backend.lib.valkey import make_client
from backend.live import pubsub, service
from backend.live.service import LiveEvent, publish
from tests.builders import build_world
from tests.live.sse import SseStream, wait_until


async def test_publish_with_valkey_down_returns_at_once_without_raising():
    client = make_client(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    assert await publish(client, LiveEvent("alert.created", {}, community_id=1)) is False
    assert await publish({"valkey": None}, LiveEvent("alert.created", {}, community_id=1)) is False
    assert time.monotonic() - started < 1
    await client.aclose()


async def test_api_starts_and_streams_while_valkey_is_down_and_catches_up_when_it_is_back(
        fx_app_factory, fx_password_hash, tmp_path: Path, monkeypatch):
    # No background retry here: an event published while Valkey was down would otherwise arrive
    # at a time of its own among the ones this test reads (tests/live/test_publish_timeout.py).
    monkeypatch.setattr(service, "RETRY_DELAYS", ())
    world = await build_world(fx_password_hash)
    server = EmbeddedValkey(tmp_path / "valkey", port=free_port())  # not started: Valkey is down
    app = await fx_app_factory(valkey_url=server.url, run_workers_in_process=False,
                               live_ping_seconds=0.2)
    channel = f"community:{world.community}"
    news = LiveEvent("alert.created", {"alert_id": 1}, community_id=world.community)
    token = await sessions.create_session(world.users["member"], 3600)
    client: Any = None
    try:
        async with SseStream(app, "/api/v1/live", token) as stream:
            assert stream.status == 200
            assert (await stream.next_message()).retry == 5000
            assert (await stream.next_message()).comments == ["ping"]  # the stream stays open
            assert await publish(app, news) is False

            server.start()
            client = make_client(server.url)
            await wait_until(lambda: _listening(client, channel), "the stream to subscribe once Valkey is up")
            assert await publish(app, news)
            assert (await stream.next_event()).event == "alert.created"

            server.restart()  # down again, then up on the same port, empty
            await wait_until(lambda: _listening(client, channel), "the stream to subscribe again")
            assert await publish(client, LiveEvent("alert.updated", {}, community_id=world.community))
            assert (await stream.next_event()).event == "alert.updated"
    finally:
        if client is not None:
            await client.aclose()
        server.stop()


async def _listening(client: Any, channel: str) -> bool:
    try:
        return dict(await client.pubsub_numsub(channel))[channel.encode()] > 0
    except Exception:  # still down
        await asyncio.sleep(0.1)
        return False


async def test_the_listener_lets_the_event_loop_run_while_the_first_subscription_connects(tmp_path: Path):
    # Litestar's ChannelsPlugin starts the listener, then subscribes to the channels it knows (at a
    # restart, all it has seen): the listener then has channels to hear and no connection yet to read.
    # A paused Valkey holds that first connection's handshake for PAUSE seconds.
    pause = 2.0
    server = EmbeddedValkey(tmp_path / "valkey", port=free_port())
    server.start()
    admin = make_client(server.url)
    backend = pubsub.ValkeyPubSubBackend(server.url, poll_seconds=0.2)
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticker = asyncio.ensure_future(tick())
    try:
        await admin.ping()
        await backend.on_startup()
        await admin.execute_command("CLIENT", "PAUSE", int(pause * 1000), "ALL")
        events = backend.stream_events()
        with _loop_held_at_most(10.0):
            started = time.monotonic()
            # As ChannelsPlugin starts: the listener's task first, then the subscription, with no await
            # between (its first step runs once the subscription waits for its connection).
            first = asyncio.ensure_future(anext(events))
            await backend.subscribe(["news"])
            connected = time.monotonic()
        assert connected - started >= pause * 0.9  # the handshake did wait for the pause
        during = [t for t in ticks if started <= t <= connected]
        gaps = [b - a for a, b in zip([started, *during], [*during, connected])]
        assert max(gaps) < 0.5, f"the event loop was held {max(gaps):.2f} s while the subscription connected"
        assert await admin.publish("news", b"hello") == 1
        assert await asyncio.wait_for(first, 5) == ("news", b"hello")  # the stream goes on once connected
        await events.aclose()
    finally:
        ticker.cancel()
        await admin.aclose()
        await backend.on_shutdown()
        server.stop()


class _LoopHeld(Exception):
    pass


@contextlib.contextmanager
def _loop_held_at_most(seconds: float) -> Iterator[None]:
    """Raise _LoopHeld in whatever runs after `seconds` (a signal handler runs even in a loop that never
    awaits, so a listener spinning on the event loop fails the test instead of hanging it)."""
    def expire(signum: int, frame: Any) -> None:
        raise _LoopHeld(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class _Listened:
    """A Valkey of the test's own, a client to publish with, and a pub/sub backend whose listener
    puts every event it hears in `heard`."""

    server: EmbeddedValkey
    admin: Any
    backend: pubsub.ValkeyPubSubBackend
    heard: asyncio.Queue[tuple[str, bytes]]

    async def received(self, count: int) -> set[tuple[str, bytes]]:
        """The events heard, once `count` came (or 5 s without one)."""
        events: set[tuple[str, bytes]] = set()
        with contextlib.suppress(TimeoutError):
            while len(events) < count:
                events.add(await asyncio.wait_for(self.heard.get(), 5))
        return events


@contextlib.asynccontextmanager
async def _listened(tmp_path: Path, **options: float) -> AsyncIterator[_Listened]:
    server = EmbeddedValkey(tmp_path / "valkey", port=free_port())
    server.start()
    found = _Listened(server, make_client(server.url), pubsub.ValkeyPubSubBackend(server.url, **options),
                      asyncio.Queue())

    async def listen() -> None:
        async for channel, data in found.backend.stream_events():
            found.heard.put_nowait((channel, data))

    listener: asyncio.Future[None] | None = None
    try:
        await found.backend.on_startup()
        listener = asyncio.ensure_future(listen())
        yield found
    finally:
        if listener is not None:
            listener.cancel()
        await found.admin.aclose()
        await found.backend.on_shutdown()
        server.stop()


async def test_subscriptions_made_at_once_share_the_first_connection(tmp_path: Path):
    # Two streams open together on a fresh process: both SUBSCRIBEs find no connection yet.
    async with _listened(tmp_path, poll_seconds=0.2) as live:
        await asyncio.sleep(0.05)  # the listener waits: nothing is wanted yet
        await asyncio.gather(live.backend.subscribe(["first"]), live.backend.subscribe(["second"]))
        # One connection holds both subscriptions, and it is the one the listener reads.
        assert await live.admin.publish("first", b"1") == 1
        assert await live.admin.publish("second", b"2") == 1
        assert await live.received(2) == {("first", b"1"), ("second", b"2")}


async def test_resubscriptions_after_an_outage_share_one_reconnection(tmp_path: Path):
    # Valkey goes away and comes back: the pub/sub's connection object stays, disconnected, and
    # every command sent on it reconnects it. Two streams subscribing together then both reconnect.
    async with _listened(tmp_path, retry_seconds=0.5, poll_seconds=0.2) as live:
        admin = live.admin
        await live.backend.subscribe(["before"])
        assert await admin.publish("before", b"0") == 1
        assert await asyncio.wait_for(live.heard.get(), 5) == ("before", b"0")

        live.server.stop()
        await asyncio.sleep(1.0)  # the listener notices (its read fails) and retries while Valkey is down
        live.server.start()
        await asyncio.gather(live.backend.subscribe(["first"]), live.backend.subscribe(["second"]))
        await wait_until(lambda: _listening(admin, "before"), "the listener to subscribe again to what it had")
        assert await admin.publish("first", b"1") == 1
        assert await admin.publish("second", b"2") == 1
        assert await admin.publish("before", b"3") == 1
        assert await live.received(3) == {("first", b"1"), ("second", b"2"), ("before", b"3")}
        # One connection holds them all: no other one was opened and left behind (the backend's
        # publishing client never connected here: this test publishes through `admin`).
        own = await admin.client_id()
        others = [c for c in await admin.client_list() if int(c["id"]) != own]
        assert [(c["flags"], c["sub"]) for c in others] == [("P", "3")], others


async def test_a_stream_that_leaves_during_its_first_subscription_keeps_no_channel(tmp_path: Path):
    # A paused Valkey holds the pub/sub's first connection, so the stream's subscription is still
    # under way when its browser leaves (its task is cancelled, as the SSE response does). Before:
    # the plugin kept the stream's subscriber on the channel, so the second stream sent no SUBSCRIBE
    # and, the listener never woken, heard nothing; with the listener woken, the channel stayed
    # subscribed after the second stream left.
    pause = 1.0
    async with _own_plugin(tmp_path) as (plugin, admin):
        await admin.execute_command("CLIENT", "PAUSE", int(pause * 1000), "ALL")
        leaving = service.event_stream(plugin, ["news"])
        opening = asyncio.ensure_future(anext(leaving))
        await asyncio.sleep(0.2)
        assert not opening.done()  # still subscribing
        opening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await opening
        await admin.ping()  # the pause is over

        # Another stream on the same channel hears its events, then leaves: nobody listens to
        # the channel any more, so the process no longer subscribes to it.
        staying = service.event_stream(plugin, ["news"])
        assert (await asyncio.wait_for(anext(staying), 5)).comment == "vigie live"
        assert (await asyncio.wait_for(anext(staying), 5)).event == service.READY_TYPE
        assert await _listening(admin, "news")  # ready: subscribed
        assert await admin.publish("news", _wire("alert.created")) == 1
        assert (await asyncio.wait_for(anext(staying), 5)).event == "alert.created"
        await staying.aclose()
        await wait_until(lambda: _unheard(admin, "news"), "the channel to be unsubscribed")
        # The plugin keeps no subscriber on it (its private `_channels`, read as test_live_stream.py does).
        assert not plugin._channels.get("news"), plugin._channels


async def test_ready_comes_once_valkey_has_answered_the_subscription_of_each_channel(tmp_path: Path):
    # The PWA reads its screen again on `ready` (what happened before may have been missed), so from
    # `ready` on whatever is published must reach the stream. A paused Valkey holds the SUBSCRIBE the
    # stream has sent on the pub/sub's connection (already up): the stream opens, but says `ready` only
    # once Valkey has answered — for its own SUBSCRIBE, and for a stream on the same channel, which
    # sends none (the plugin counts the first one) while that one is still unanswered.
    pause = 2.0
    async with _own_plugin(tmp_path) as (plugin, admin):
        first = service.event_stream(plugin, ["before"])
        assert (await asyncio.wait_for(anext(first), 5)).comment == "vigie live"
        assert (await asyncio.wait_for(anext(first), 5)).event == service.READY_TYPE
        assert await _listening(admin, "before")
        await admin.execute_command("CLIENT", "PAUSE", int(pause * 1000), "ALL")
        own = service.event_stream(plugin, ["before", "news"])
        shared = service.event_stream(plugin, ["news"])
        for stream in (own, shared):  # opened at once: SUBSCRIBE news is sent, not answered
            assert (await asyncio.wait_for(anext(stream), 0.5)).comment == "vigie live"
        readies = [asyncio.ensure_future(anext(stream)) for stream in (own, shared)]
        assert not (await asyncio.wait(readies, timeout=0.5))[0], "ready before Valkey answered"
        for ready in readies:
            assert (await asyncio.wait_for(ready, 5)).event == service.READY_TYPE
        assert await admin.publish("news", _wire("alert.created")) == 1  # published right after ready: heard
        for stream in (own, shared):
            assert (await asyncio.wait_for(anext(stream), 5)).event == "alert.created"
            await stream.aclose()
        await first.aclose()


@contextlib.asynccontextmanager
async def _own_plugin(tmp_path: Path) -> AsyncIterator[tuple[service.LiveChannels, Any]]:
    """A started live plugin on a Valkey of its own (CLIENT PAUSE holds no other test), and a client of it."""
    server = EmbeddedValkey(tmp_path / "valkey", port=free_port())
    server.start()
    admin = make_client(server.url)
    plugin = service.LiveChannels(pubsub.ValkeyPubSubBackend(server.url, poll_seconds=0.2), service.LiveConfig())
    try:
        await admin.ping()
        async with plugin:
            yield plugin, admin
    finally:
        await admin.aclose()
        server.stop()


def _wire(event_type: str) -> bytes:
    return service.encode_event(LiveEvent(event_type, {}))


async def _unheard(client: Any, channel: str) -> bool:
    return dict(await client.pubsub_numsub(channel))[channel.encode()] == 0
