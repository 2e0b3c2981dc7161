"""Live updates: events on Valkey pub/sub channels, streamed to browsers as Server-Sent Events.

Channels (plain names, no prefix) and who listens to them:

- `community:{id}`: active members of the community and mairie staff of its commune;
- `commune:{id}`: mairie staff of the commune and active members of all its communities;
- `moderation`: moderators and admins (community events are mirrored here, since
  moderators and admins watch every community);
- `staff:{id}`: mairie staff of the commune only (dashboard counters, safety-check answers);
- `user:{id}`: one person.

On the wire a message is the JSON object `{"id": "<hex>", "type": "<event type>", "data": {…}}`,
sent with a plain `PUBLISH <channel> <json>`: the format of Litestar's Redis pub/sub channels
backend, so API processes (through the ChannelsPlugin) and `vigie worker` processes (through
their Valkey client) publish alike, and every API instance streams what any of them publishes.
The channels backend that reads them (one pub/sub connection per process) is in pubsub.py.

Live updates are best-effort: publishing never raises, and delivery records stay the source
of truth. But an event is not given up lightly: the caller waits at most PUBLISH_TIMEOUT for
the first attempt, which then goes on in the background (a cancelled MULTI/EXEC would drop the
connection and the event with it); a failed attempt is retried in the background (RETRY_DELAYS).
Each outcome is counted (`vigie_live_publishes{outcome}`: sent, late, retried, dropped) and an
event finally dropped is logged as an error. Screens that show counts read them again from the
database on each event and on each `ready` of their stream (READY_TYPE), so one late or lost event is
repaired by the next.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, AsyncIterator

import msgspec
import valkey.asyncio as avalkey
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.subscriber import Subscriber
from litestar.response.sse import ServerSentEventMessage

from backend.auth.principal import Principal
from backend.communities.tables import Community
from backend.lib.metrics import LIVE_PUBLISHES
from backend.lib.tasks import KeptTasks
from backend.live.pubsub import ValkeyPubSubBackend, publish_raw
from backend.settings import Settings

log = logging.getLogger(__name__)

MODERATION = "moderation"
PUBLISH_TIMEOUT = 2.0
"""Seconds the caller waits for a publish (an alert must not wait on live updates); past that the
publish goes on in the background, it is not cancelled."""
ATTEMPT_TIMEOUT = 15.0
"""Seconds one background attempt may take before it counts as failed."""
RETRY_DELAYS = (0.5, 2.0, 5.0)
"""Pauses before the background retries of a failed publish; after the last one it is dropped."""
MAX_BACKGROUND = 1000
"""Publishes finishing in the background at most (a long outage must not pile up tasks): beyond, dropped."""


def community_channel(community_id: int) -> str:
    return f"community:{community_id}"


def commune_channel(commune_id: int) -> str:
    return f"commune:{commune_id}"


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def staff_channel(commune_id: int) -> str:
    return f"staff:{commune_id}"


@dataclass
class LiveEvent:
    """Something that happened, and who may hear of it (any combination of the targets)."""

    type: str
    data: dict
    community_id: int | None = None
    commune_id: int | None = None
    moderators: bool = False
    user_id: int | None = None
    staff_commune_id: int | None = None  # the commune's mairie staff only

    def channels(self) -> list[str]:
        """The channels this event is published on."""
        names: list[str] = []
        if self.community_id is not None:
            names += [community_channel(self.community_id), MODERATION]
        if self.commune_id is not None:
            names.append(commune_channel(self.commune_id))
        if self.moderators:
            names.append(MODERATION)
        if self.user_id is not None:
            names.append(user_channel(self.user_id))
        if self.staff_commune_id is not None:
            names.append(staff_channel(self.staff_commune_id))
        return list(dict.fromkeys(names))


class _Wire(msgspec.Struct):
    id: str
    type: str
    data: msgspec.Raw


def encode_event(event: LiveEvent) -> bytes:
    """The wire form of an event, with a fresh id (the same on every channel it goes to)."""
    return msgspec.json.encode({"id": uuid.uuid4().hex, "type": event.type, "data": event.data})


async def publish(target: ChannelsPlugin | Litestar | Mapping[str, Any] | avalkey.Valkey, event: LiveEvent) -> bool:
    """Publish `event` to every API instance's live streams; never raises.

    `target` is the ChannelsPlugin, the app, `app.state` or a SAQ job's `ctx` (both hold
    `valkey`), or a Valkey client. Returns True when published within PUBLISH_TIMEOUT; False
    when not yet (it goes on, and is retried, in the background) or when there is no client.
    """
    channels = event.channels()
    if not channels:
        return False
    try:
        data = encode_event(event)
        if isinstance(target, ChannelsPlugin):
            plugin = target

            def send() -> Any:
                return plugin.wait_published(data, channels)
        else:
            if isinstance(target, Litestar):
                target = target.state
            client = target.get("valkey") if isinstance(target, Mapping) else target
            if client is None:
                LIVE_PUBLISHES.labels("dropped").inc()
                log.error("live event %s dropped: no Valkey client yet", event.type)
                return False

            def send() -> Any:
                return publish_raw(client, data, channels)
        first = asyncio.ensure_future(send())
    except Exception as exc:  # best-effort by design: the caller's work must go on
        LIVE_PUBLISHES.labels("dropped").inc()
        log.error("live event %s dropped: %r", event.type, exc)
        return False
    try:
        await asyncio.wait_for(asyncio.shield(first), PUBLISH_TIMEOUT)
    except Exception as exc:  # a timeout or a failure: finished or retried off the caller's path
        _finish_in_background(first, send, event.type, channels, exc)
        return False
    LIVE_PUBLISHES.labels("sent").inc()
    return True


_background = KeptTasks()


def _finish_in_background(first: asyncio.Future, send: Any, event_type: str, channels: list[str],
                          exc: BaseException) -> None:
    if len(_background) >= MAX_BACKGROUND:
        first.cancel()
        LIVE_PUBLISHES.labels("dropped").inc()
        log.error("live event %s dropped on %s: %d publishes already pending", event_type, channels, len(_background))
        return
    late = isinstance(exc, TimeoutError)
    log.warning("live event %s not published on %s within %.0f s (%s): going on in the background", event_type,
                channels, PUBLISH_TIMEOUT, "still under way" if late else repr(exc))
    _background.keep(asyncio.ensure_future(_finish(first, send, event_type, channels)))


async def _finish(first: asyncio.Future, send: Any, event_type: str, channels: list[str]) -> None:
    """Wait for the first attempt, then retry after each of RETRY_DELAYS; count and log the outcome."""
    try:
        await asyncio.wait_for(first, ATTEMPT_TIMEOUT)
        LIVE_PUBLISHES.labels("late").inc()
        return
    except Exception as exc:
        error: BaseException = exc
    for delay in RETRY_DELAYS:
        await asyncio.sleep(delay)
        try:
            await asyncio.wait_for(send(), ATTEMPT_TIMEOUT)
            LIVE_PUBLISHES.labels("retried").inc()
            log.info("live event %s published on %s after a retry", event_type, channels)
            return
        except Exception as exc:
            error = exc
    LIVE_PUBLISHES.labels("dropped").inc()
    log.error("live event %s DROPPED on %s after %d attempts: %r", event_type, channels, 1 + len(RETRY_DELAYS), error)


async def settle_publishes(timeout: float = 30.0) -> int:
    """Wait (at most `timeout` s) for the publishes still finishing in the background; how many were left."""
    return await _background.settle(timeout)


async def channels_for(principal: Principal) -> list[str]:
    """The channels a person may listen to, from their roles and active memberships."""
    names = {user_channel(principal.user_id)}
    for m in principal.memberships:
        if m.status == "active":
            names |= {community_channel(m.community_id), commune_channel(m.commune_id)}
    staff_of = [c.id for c in principal.mairie_communes]
    if staff_of:
        names |= {commune_channel(c) for c in staff_of} | {staff_channel(c) for c in staff_of}
        rows = await Community.select(Community.id).where(Community.commune.is_in(staff_of))
        names |= {community_channel(r["id"]) for r in rows}
    if principal.is_moderator or principal.is_admin:
        names.add(MODERATION)
    return sorted(names)


# The plugin and the stream ---------------------------------------------------------------


@dataclass(frozen=True)
class LiveConfig:
    """Tunables of the live stream: the `live_*` settings (documented there), defaults included."""

    ping_seconds: float = Settings.live_ping_seconds
    """Seconds of silence before a keep-alive comment (proxies cut idle connections)."""
    max_stream_seconds: float = Settings.live_max_stream_seconds
    """A stream ends after this long and the browser reconnects, so its channels follow role
    changes as fast as the cached Principal does (sessions.PRINCIPAL_TTL)."""
    retry_ms: int = Settings.live_retry_ms
    """Reconnection delay sent to the browser (`retry:`)."""
    backlog: int = Settings.live_backlog
    """Events kept for a slow client; beyond that the oldest are dropped."""

    @classmethod
    def from_settings(cls, settings: Settings) -> "LiveConfig":
        return cls(ping_seconds=settings.live_ping_seconds, max_stream_seconds=settings.live_max_stream_seconds,
                   retry_ms=settings.live_retry_ms, backlog=settings.live_backlog)


class LiveSubscriber(Subscriber):
    """A subscriber that can wait for its next event with a timeout (for keep-alive pings)."""

    async def next_event(self, timeout: float) -> bytes | None:
        """The next event, or None when none came within `timeout` s; EOFError once unsubscribed."""
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None
        self._queue.task_done()
        if item is None:
            raise EOFError
        return item


class LiveChannels(ChannelsPlugin):
    """Litestar's ChannelsPlugin on Valkey pub/sub, carrying the stream's configuration."""

    def __init__(self, backend: ValkeyPubSubBackend, config: LiveConfig) -> None:
        super().__init__(backend, arbitrary_channels_allowed=True, subscriber_class=LiveSubscriber,
                         subscriber_max_backlog=config.backlog, subscriber_backlog_strategy="dropleft")
        self.pubsub = backend
        self.config = config


def channels_plugin(settings: Settings) -> LiveChannels:
    """The plugin for `Litestar(plugins=[…])`; it touches Valkey only once a stream subscribes."""
    return LiveChannels(ValkeyPubSubBackend(settings.valkey_url), LiveConfig.from_settings(settings))


READY_TYPE = "ready"
"""The stream's event that says it now hears every one of its channels: what is published from then on
reaches the browser. Whatever happened before may have been missed (between the screen's own GET and
this), so the PWA reads its screen again on each `ready` (pwa/js/live.js)."""
_decode_wire = msgspec.json.Decoder(_Wire).decode
_cleanups = KeptTasks()
_open: dict[LiveSubscriber, asyncio.Future] = {}  # the live streams open in this process, and their `ready`


def close_streams() -> int:
    """End every live stream open in this process, cleanly (the server is stopping: each browser
    reconnects after its `retry:` delay, to another instance behind the proxy). Returns how many."""
    for subscriber, ready in list(_open.items()):
        ready.cancel()  # a stream still waiting for its subscription stops waiting
        subscriber.put_nowait(None)  # next_event raises EOFError: the stream's loop ends
    return len(_open)


async def event_stream(plugin: LiveChannels, channels: list[str],
                       max_seconds: float | None = None) -> AsyncIterator[ServerSentEventMessage]:
    """SSE messages of `channels` until the client leaves or the stream's time is up.

    Opens with the `retry:` delay, then sends the event `ready` once Valkey has confirmed the
    subscription to every channel (READY_TYPE); sends a comment after each `ping_seconds` of
    silence, and drops duplicates (an event sent on two channels the person listens to arrives twice).
    """
    config = plugin.config
    limit = config.max_stream_seconds if max_seconds is None else min(max(max_seconds, 0.0), config.max_stream_seconds)
    subscriber = await _subscribe(plugin, channels)
    ready = _open[subscriber] = asyncio.ensure_future(plugin.pubsub.wait_subscribed(channels))
    try:
        yield ServerSentEventMessage(data=None, comment="vigie live", retry=config.retry_ms)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while not ready.done() and (remaining := deadline - loop.time()) > 0:
            if not (await asyncio.wait([ready], timeout=min(config.ping_seconds, remaining)))[0]:
                yield ServerSentEventMessage(data=None, comment="ping")
        if ready.done() and not ready.cancelled():
            yield ServerSentEventMessage(data="{}", event=READY_TYPE)
        seen: deque[str] = deque(maxlen=64)
        while (remaining := deadline - loop.time()) > 0:
            raw = await subscriber.next_event(min(config.ping_seconds, remaining))
            if raw is None:
                yield ServerSentEventMessage(data=None, comment="ping")
            elif (message := _sse_message(raw, seen)) is not None:
                yield message
    except EOFError:
        pass
    finally:
        ready.cancel()
        _open.pop(subscriber, None)
        await asyncio.shield(_unsubscribe(plugin, subscriber, channels))


async def _subscribe(plugin: LiveChannels, channels: list[str]) -> LiveSubscriber:
    """The stream's subscriber, subscribed to `channels`; undone if the stream leaves meanwhile.

    The plugin adds the subscriber to each channel before the backend's SUBSCRIBE: a stream whose
    browser left during it (its task cancelled) never got the subscriber to unsubscribe, so the
    channel kept it (a later stream on the channel sent no SUBSCRIBE of its own) and the backend
    kept wanting the channel. Shielded as the unsubscription is (a cancelled SUBSCRIBE would drop
    the process's shared pub/sub connection), and undone once it ends.
    """
    subscribing = asyncio.ensure_future(plugin.subscribe(channels))
    try:
        return await asyncio.shield(subscribing)  # type: ignore[return-value]
    except asyncio.CancelledError:
        _cleanups.keep(subscribing).add_done_callback(lambda done: _undo(plugin, channels, done))
        raise


def _undo(plugin: LiveChannels, channels: list[str], subscribing: asyncio.Future) -> None:
    """Unsubscribe what a stream that left subscribed (nothing if its subscription failed)."""
    if subscribing.cancelled():
        return
    if (exc := subscribing.exception()) is not None:
        log.warning("live: the subscription of a stream that left failed: %r", exc)
        return
    _unsubscribe(plugin, subscribing.result(), channels)


def _unsubscribe(plugin: LiveChannels, subscriber: LiveSubscriber, channels: list[str]) -> asyncio.Future:
    """Unsubscribe in a task of its own, kept until it ends (a cancelled UNSUBSCRIBE would drop the
    process's shared pub/sub connection): the plugin unsubscribes the channels nobody else hears."""
    return _cleanups.keep(asyncio.ensure_future(plugin.unsubscribe(subscriber, channels)))


def _sse_message(raw: bytes, seen: deque[str]) -> ServerSentEventMessage | None:
    try:
        event = _decode_wire(raw)
    except msgspec.DecodeError as exc:
        log.warning("live: dropped a malformed message: %s", exc)
        return None
    if event.id in seen:
        return None
    seen.append(event.id)
    return ServerSentEventMessage(data=bytes(event.data).decode(), event=event.type, id=event.id)
