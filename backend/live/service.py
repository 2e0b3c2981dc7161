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

Live updates are best-effort: publishing never raises, and delivery records stay the source
of truth. But an event is not given up lightly: the caller waits at most PUBLISH_TIMEOUT for
the first attempt, which then goes on in the background (a cancelled MULTI/EXEC would drop the
connection and the event with it); a failed attempt is retried in the background (RETRY_DELAYS).
Each outcome is counted (`vigie_live_publishes{outcome}`: sent, late, retried, dropped) and an
event finally dropped is logged as an error. Screens that show counts read them again from the
database on each event and after each reconnection, so one late or lost event is repaired by the next.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterable

import msgspec
import valkey.asyncio as avalkey
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.subscriber import Subscriber
from litestar.response.sse import ServerSentEventMessage
from valkey.exceptions import ValkeyError

from backend.auth.principal import Principal
from backend.communities.tables import Community
from backend.lib.metrics import LIVE_PUBLISHES
from backend.lib.valkey import make_client
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
VALKEY_ERRORS = (ValkeyError, OSError)  # OSError includes TimeoutError and refused connections


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


async def publish_raw(client: avalkey.Valkey, data: bytes, channels: Iterable[str]) -> None:
    """PUBLISH `data` on every channel, atomically (MULTI/EXEC, as Litestar's Lua script does)."""
    async with client.pipeline(transaction=True) as pipe:
        for channel in channels:
            pipe.publish(channel, data)
        await pipe.execute()


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


_background: set[asyncio.Task] = set()


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
    task = asyncio.ensure_future(_finish(first, send, event_type, channels))
    _background.add(task)
    task.add_done_callback(_background.discard)


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
    pending = list(_background)
    if pending:
        await asyncio.wait(pending, timeout=timeout)
    return sum(not task.done() for task in pending)


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


# The channels backend ---------------------------------------------------------------------


class ValkeyPubSubBackend(ChannelsBackend):
    """Pub/sub channels on Valkey, wire-compatible with Litestar's RedisChannelsPubSubBackend.

    Litestar's backend works with a valkey client, but its listener ends for good at the first
    connection error (no live event reaches that process again), and a subscription made while
    Valkey is down is forgotten. This one creates its client inside the running loop, never
    touches Valkey at startup, keeps the set of wanted channels itself, and re-subscribes to
    exactly that set once Valkey answers again.
    """

    def __init__(self, url: str, *, retry_seconds: float = 1.0, poll_seconds: float = 1.0) -> None:
        self._url = url
        self._retry_seconds = retry_seconds
        self._poll_seconds = poll_seconds
        self._client: avalkey.Valkey | None = None
        self._pubsub: Any = None
        self._wanted: set[str] = set()
        self._resync = False
        self._down = False
        self._wake: asyncio.Event | None = None
        self._connecting: asyncio.Future | None = None

    async def on_startup(self) -> None:
        self._client = make_client(self._url)
        self._pubsub = self._client.pubsub()
        self._wake = asyncio.Event()

    async def on_shutdown(self) -> None:
        for name, closing in (("pub/sub", self._pubsub.aclose), ("client", self._client.aclose)):
            try:
                await asyncio.wait_for(closing(), 5)
            except Exception as exc:  # shutting down: report and carry on
                log.warning("live: closing the Valkey %s failed: %r", name, exc)

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        assert self._client is not None, "publish before startup"
        await publish_raw(self._client, data, channels)

    async def subscribe(self, channels: Iterable[str]) -> None:
        channels = list(channels)
        self._wanted.update(channels)
        await self._tell_valkey(self._pubsub.subscribe, channels)
        self._wake.set()  # type: ignore[union-attr]

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        channels = list(channels)
        self._wanted.difference_update(channels)
        await self._tell_valkey(self._pubsub.unsubscribe, channels)

    async def _tell_valkey(self, command: Any, channels: list[str]) -> None:
        """(UN)SUBSCRIBE now if Valkey answers; if not, the listener re-syncs once it is back."""
        try:
            await self._connect()
            await command(*channels)
        except VALKEY_ERRORS as exc:
            self._lost(exc)

    async def _connect(self) -> None:
        """Make the pub/sub's connection if it has none, or wait for the one being made.

        PubSub.connect() is not guarded: (UN)SUBSCRIBEs sent together before the first connection
        each made one, the last one made replaced the others, and what was subscribed on those was
        never read again (two streams opening together on a fresh process: one heard nothing). Shielded:
        a caller that leaves (a browser closing its stream) does not cancel the others' connection.
        """
        if self._pubsub.connection is not None:
            return
        if self._connecting is None or self._connecting.done():
            self._connecting = asyncio.ensure_future(self._pubsub.connect())
            self._connecting.add_done_callback(lambda f: f.cancelled() or f.exception())  # each caller is told
        await asyncio.shield(self._connecting)

    async def stream_events(self) -> AsyncIterator[tuple[str, bytes]]:  # type: ignore[override]
        assert self._wake is not None, "stream_events before startup"
        while True:
            if not (self._wanted or self._resync):
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                if self._resync:
                    await self._sync_subscriptions()
                if self._pubsub.connection is None:
                    await self._wait_for_connection()
                    continue
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=self._poll_seconds)
            except VALKEY_ERRORS as exc:
                self._lost(exc)
                await asyncio.sleep(self._retry_seconds)
                continue
            if self._down:
                self._down = False
                log.info("live: Valkey pub/sub is back")
            if message is not None and (channel := message["channel"].decode()) in self._wanted:
                yield channel, message["data"]

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        raise NotImplementedError("pub/sub keeps no history")

    def _lost(self, exc: BaseException) -> None:
        self._resync = True
        if self._wake is not None:
            self._wake.set()
        if not self._down:
            self._down = True
            log.warning("live: Valkey pub/sub unavailable, retrying every %.0f s: %r", self._retry_seconds, exc)

    async def _wait_for_connection(self) -> None:
        """Channels are wanted but the pub/sub has no connection yet: a first SUBSCRIBE is still
        connecting (ChannelsPlugin starts this listener, then subscribes to the channels it knows:
        at a restart, every channel it has seen). Wait for it to end (it sets the wake event) or
        for a poll interval, then re-sync: that joins the connection being made (`_connect`), or
        makes it, and subscribes to what is still missing. Going round again without an await held
        the event loop for good: the connection it waited for could never be made."""
        assert self._wake is not None
        self._resync = True
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
        except TimeoutError:
            pass

    async def _sync_subscriptions(self) -> None:
        if self._wanted:
            await self._connect()
        pending = {c.decode() for c in self._pubsub.pending_unsubscribe_channels}
        current = {c.decode() for c in self._pubsub.channels} - pending
        if missing := self._wanted - current:
            await self._pubsub.subscribe(*missing)
        if stale := current - self._wanted:
            await self._pubsub.unsubscribe(*stale)
        self._resync = False


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

    def __init__(self, backend: ChannelsBackend, config: LiveConfig) -> None:
        super().__init__(backend, arbitrary_channels_allowed=True, subscriber_class=LiveSubscriber,
                         subscriber_max_backlog=config.backlog, subscriber_backlog_strategy="dropleft")
        self.config = config


def channels_plugin(settings: Settings) -> LiveChannels:
    """The plugin for `Litestar(plugins=[…])`; it touches Valkey only once a stream subscribes."""
    return LiveChannels(ValkeyPubSubBackend(settings.valkey_url), LiveConfig.from_settings(settings))


_decode_wire = msgspec.json.Decoder(_Wire).decode
_cleanups: set[asyncio.Task] = set()
_open: set[LiveSubscriber] = set()  # the live streams open in this process


def close_streams() -> int:
    """End every live stream open in this process, cleanly (the server is stopping: each browser
    reconnects after its `retry:` delay, to another instance behind the proxy). Returns how many."""
    for subscriber in list(_open):
        subscriber.put_nowait(None)  # next_event raises EOFError: the stream's loop ends
    return len(_open)


async def event_stream(plugin: LiveChannels, channels: list[str],
                       max_seconds: float | None = None) -> AsyncIterator[ServerSentEventMessage]:
    """SSE messages of `channels` until the client leaves or the stream's time is up.

    Opens with the `retry:` delay, sends a comment after each `ping_seconds` of silence, and
    drops duplicates (an event sent on two channels the person listens to arrives twice).
    """
    config = plugin.config
    limit = config.max_stream_seconds if max_seconds is None else min(max(max_seconds, 0.0), config.max_stream_seconds)
    subscriber: LiveSubscriber = await plugin.subscribe(channels)  # type: ignore[assignment]
    _open.add(subscriber)
    try:
        yield ServerSentEventMessage(data=None, comment="vigie live", retry=config.retry_ms)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
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
        _open.discard(subscriber)
        # Shielded: a cancelled UNSUBSCRIBE would drop the process's shared pub/sub connection.
        task = asyncio.ensure_future(plugin.unsubscribe(subscriber, channels))
        _cleanups.add(task)
        task.add_done_callback(_cleanups.discard)
        await asyncio.shield(task)


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
