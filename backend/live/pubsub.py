"""The Valkey pub/sub channels backend of the live stream (Litestar's ChannelsPlugin runs it: service.py).

One pub/sub connection per API process carries every channel its streams listen to; messages go
out with a plain `PUBLISH` (`publish_raw`), the wire format of Litestar's Redis pub/sub backend
(service.py describes the channels and the messages).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, AsyncIterator, Iterable

import valkey.asyncio as avalkey
from litestar.channels.backends.base import ChannelsBackend
from valkey.exceptions import ValkeyError

from backend.lib.valkey import make_client

log = logging.getLogger(__name__)

VALKEY_ERRORS = (ValkeyError, OSError)  # OSError includes TimeoutError and refused connections


async def publish_raw(client: avalkey.Valkey, data: bytes, channels: Iterable[str]) -> None:
    """PUBLISH `data` on every channel, atomically (MULTI/EXEC, as Litestar's Lua script does)."""
    async with client.pipeline(transaction=True) as pipe:
        for channel in channels:
            pipe.publish(channel, data)
        await pipe.execute()


class ValkeyPubSubBackend(ChannelsBackend):
    """Pub/sub channels on Valkey, wire-compatible with Litestar's RedisChannelsPubSubBackend.

    Litestar's backend works with a valkey client, but its listener ends for good at the first
    connection error (no live event reaches that process again), and a subscription made while
    Valkey is down is forgotten. This one creates its client inside the running loop, never
    touches Valkey at startup, keeps the set of wanted channels itself, and re-subscribes to
    exactly that set once Valkey answers again. It also reads Valkey's answers to its (UN)SUBSCRIBEs,
    so a stream can wait until its channels are really subscribed (`wait_subscribed`).
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
        self._confirmed: set[str] = set()  # subscribed, as Valkey answered
        self._unanswered: Counter[str] = Counter()  # (UN)SUBSCRIBEs sent whose answer is not read yet
        self._answered = asyncio.Event()  # set, then cleared, on each answer (wakes every waiter)

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
        try:
            await self._tell_valkey(self._pubsub.subscribe, channels)
        finally:  # cancelled too: the listener must hear the channels wanted (or re-sync what is left)
            self._wake.set()  # type: ignore[union-attr]

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        channels = list(channels)
        self._wanted.difference_update(channels)
        await self._tell_valkey(self._pubsub.unsubscribe, channels)

    def subscribed(self, channels: Iterable[str]) -> bool:
        """Valkey answered the last (UN)SUBSCRIBE sent for each of `channels`, and it was a SUBSCRIBE."""
        return all(c in self._confirmed and not self._unanswered[c] for c in channels)

    async def wait_subscribed(self, channels: Iterable[str]) -> None:
        """Return once Valkey has confirmed the subscription to each of `channels`: from then on, what is
        published there reaches this process. A SUBSCRIBE merely sent is not enough (a PUBLISH from
        another connection may still be handled before it). Waits as long as it takes (an outage too)."""
        channels = list(channels)
        while not self.subscribed(channels):
            await self._answered.wait()

    def _forget_answers(self) -> None:
        """The connection is lost or remade: nothing counts as subscribed until Valkey answers on the new one."""
        self._confirmed.clear()
        self._unanswered.clear()

    def _answer(self, kind: str, channel: str) -> None:
        """Valkey's answer to a SUBSCRIBE or an UNSUBSCRIBE of `channel` (read by the listener)."""
        if self._unanswered[channel] > 0:  # answers to the re-subscriptions of a reconnection were never counted
            self._unanswered[channel] -= 1
        if kind == "subscribe":
            self._confirmed.add(channel)
        else:
            self._confirmed.discard(channel)
        self._answered.set()
        self._answered.clear()

    async def _tell_valkey(self, command: Any, channels: list[str]) -> None:
        """(UN)SUBSCRIBE now if Valkey answers; if not, the listener re-syncs once it is back."""
        try:
            await self._send(command, channels)
        except VALKEY_ERRORS as exc:
            self._lost(exc)

    async def _send(self, command: Any, channels: list[str]) -> None:
        """(UN)SUBSCRIBE on a connection made or remade by `_connect` only: sent with no await after
        `_connect` returns, the command finds the connection up and does not reconnect on its own."""
        await self._connect()
        self._unanswered.update(channels)
        await command(*channels)

    def _ready(self) -> bool:
        """The pub/sub has its connection, up, and no (re)connection is under way."""
        connection = self._pubsub.connection
        return (connection is not None and connection.is_connected
                and (self._connecting is None or self._connecting.done()))

    async def _connect(self) -> None:
        """Make the pub/sub's connection, or remake it after an outage, or wait for the one being made.

        Neither PubSub.connect() nor the reconnection of a dropped connection is guarded: commands sent
        together each opened a socket, the last one opened replaced the others on the connection, and
        what was subscribed on those was never read again — at the first connection (two streams opening
        together on a fresh process: one heard nothing) as at a reconnection after a Valkey outage (there
        two handshakes also read one socket at once: RuntimeError). The replaced sockets stayed open and
        subscribed. One attempt at a time, then: a shielded future every caller waits on, so a caller that
        leaves (a browser closing its stream) does not cancel the others' connection. While it is under
        way the connection may already look up (its handshake is still reading): callers wait for it.
        """
        while not self._ready():
            if self._connecting is None or self._connecting.done():
                self._forget_answers()  # a new connection: its own answers confirm its subscriptions
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
                if not self._ready():
                    await self._wait_for_connection()
                    continue
                message = await self._pubsub.get_message(timeout=self._poll_seconds)
            except VALKEY_ERRORS as exc:
                self._lost(exc)
                await asyncio.sleep(self._retry_seconds)
                continue
            if self._down:
                self._down = False
                log.info("live: Valkey pub/sub is back")
            if message is None or message["channel"] is None:  # nothing within a poll interval, or a PONG
                continue
            channel = message["channel"].decode()
            if message["type"] in ("subscribe", "unsubscribe"):
                self._answer(message["type"], channel)
            elif message["type"] == "message" and channel in self._wanted:
                yield channel, message["data"]

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        raise NotImplementedError("pub/sub keeps no history")

    def _lost(self, exc: BaseException) -> None:
        self._resync = True
        self._forget_answers()
        if self._wake is not None:
            self._wake.set()
        if not self._down:
            self._down = True
            log.warning("live: Valkey pub/sub unavailable, retrying every %g s: %r", self._retry_seconds, exc)

    async def _wait_for_connection(self) -> None:
        """Channels are wanted but the pub/sub's connection is not ready: a SUBSCRIBE is still
        (re)connecting (at the first connection, ChannelsPlugin starts this listener, then subscribes
        to the channels it knows: at a restart, every channel it has seen). Reading meanwhile would
        reconnect on its own, or read the socket the handshake reads. Wait for it to end (it sets the wake event) or
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
            await self._connect()  # reconnecting re-subscribes what the pub/sub had (its on_connect)
        pending = {c.decode() for c in self._pubsub.pending_unsubscribe_channels}
        current = {c.decode() for c in self._pubsub.channels} - pending
        if missing := self._wanted - current:
            await self._send(self._pubsub.subscribe, sorted(missing))
        if stale := current - self._wanted:
            await self._send(self._pubsub.unsubscribe, sorted(stale))
        self._resync = False
