"""Web Push adapter: encrypt (RFC 8291 aes128gcm), sign (VAPID, RFC 8292), POST (RFC 8030).

The alert fan-out hands `PushSender.send_many` a batch of plain `PushTarget`s and gets one
`PushResult` per target, in order; nothing here touches the database. Each payload is
encrypted with a fresh ephemeral key and salt (`encrypt_payload`: cryptography's ECDH and
AES-GCM, keys of a subscription decoded once); a VAPID token is signed once per push-service
origin and reused (`vapid.VapidSigner`); a bounded number of requests is in flight, started
and answered from the caller's task alone (`_Batch`: callbacks, not a task per request).

POSTs go out on `http1.Http1Pool`, a keep-alive HTTP/1.1 pool per push service, the one
hand-written piece kept: with aiohttp's client a push cost ~580 µs of worker CPU instead of
~330 µs (bench/channels.py, same load), and bench/fanout.py missed 10,000 pushes ≤ 5 s with
2 workers (figures in docs/architecture.md). Where the environment sends an origin through a
proxy (`HTTPS_PROXY`/`HTTP_PROXY`, minus `NO_PROXY`, read once per origin by `proxy_for`),
its pushes go through one aiohttp `ClientSession` per worker instead (per-host connection
limit, keep-alive), which speaks to proxies; the pool does not.

Outcomes, sorted as Mastodon and ntfy do:

- `sent`: 2xx;
- `gone`: 404, 410 and other 4xx except 401, 408, 413, 415, 429: the subscription is dead,
  the caller deletes it;
- `retry`: 408, 429, 5xx, timeouts, connection errors;
- `failed`: permanent but not the subscription's fault: payload too large (checked before
  sending, or 413), 401/415 (our VAPID token or encoding refused: deleting every subscription
  over a configuration error would lose them all), redirects (never followed), endpoints
  outside the allow-list (SSRF guard in endpoints.py, no request made), malformed subscription keys.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hmac
import logging
import os
import re
import ssl
import struct
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import Any, Self, cast

import aiohttp
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.delivery.channels.endpoints import endpoint_origin, proxy_for
from backend.delivery.channels.http1 import Http1Pool, Origin, Response
from backend.delivery.channels.vapid import VapidSigner
from backend.lib import metrics
from backend.settings import Settings

log = logging.getLogger(__name__)

MAX_PAYLOAD = 3000
"""Bytes of clear payload we accept; encrypted it stays under the 4096 push services take."""
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
_TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_REASON_LIMIT = 200
_ENCRYPT_RUN = 16
"""Messages encrypted in a row before the producer yields to the loop (~2 ms)."""


@dataclass(frozen=True)
class PushTarget:
    """One browser subscription; `ref` is our delivery (or subscription) id."""

    ref: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushResult:
    ref: int
    outcome: str
    """sent, gone (delete the subscription), retry or failed."""
    status: int | None
    """HTTP status from the push service; None when no answer was had."""
    reason: str


@dataclass(frozen=True)
class _Route:
    """How pushes to one origin go out: the pool's header block, or aiohttp's headers and proxy."""

    raw_headers: bytes
    headers: dict[str, str]
    proxy: str | None


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_CURVE = ec.SECP256R1()
_RECORD_SIZE = 4096
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"


@lru_cache(maxsize=16384)
def _receiver_keys(p256dh: str, auth: str) -> tuple[ec.EllipticCurvePublicKey, bytes, bytes]:
    """A subscription's public key (parsed and checked on the curve), its raw bytes and its auth
    secret: decoded once per subscription, not once per push. Raises ValueError."""
    try:
        raw = _b64url_decode(p256dh)
        secret = _b64url_decode(auth)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"subscription keys are not base64url: {exc}") from None
    if len(raw) != 65 or raw[0] != 4 or len(secret) != 16:
        raise ValueError("subscription keys have the wrong size")
    return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, raw), raw, secret


def encrypt_payload(target: PushTarget, payload: bytes) -> bytes:
    """The aes128gcm body (RFC 8291, one record) of `payload` for `target`: a fresh ephemeral
    ECDH key and salt for every message. Raises ValueError on malformed subscription keys.

    The one hand-written piece of the encryption: the ECDH and AES-GCM are cryptography's
    (OpenSSL), the two HKDFs (RFC 5869, outputs ≤ 32 bytes: one HMAC-SHA256 each to extract and
    to expand) are hmac.digest. pywebpush's `WebPusher(...).encode()` does the same work with
    ~35 µs more CPU per message (a deep copy of the subscription, its keys decoded and parsed
    every time, http_ece's HKDF and Cipher objects); figures in docs/architecture.md. The
    loopback receiver decrypts a sample with http_ece (tests/fixtures/webpush_receiver.py).
    """
    public_key, raw, secret = _receiver_keys(target.p256dh, target.auth)
    ephemeral = ec.generate_private_key(_CURVE)
    sender = ephemeral.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    shared = ephemeral.exchange(ec.ECDH(), public_key)
    salt = os.urandom(16)
    ikm = hmac.digest(hmac.digest(secret, shared, "sha256"), b"WebPush: info\x00" + raw + sender + b"\x01", "sha256")
    prk = hmac.digest(salt, ikm, "sha256")
    key = hmac.digest(prk, _CEK_INFO, "sha256")[:16]
    nonce = hmac.digest(prk, _NONCE_INFO, "sha256")[:12]
    body = AESGCM(key).encrypt(nonce, payload + b"\x02", None)  # \x02: the last (only) record's delimiter
    return salt + struct.pack("!IB", _RECORD_SIZE, len(sender)) + sender + body


def classify_status(status: int) -> str:
    """The outcome of a push service's HTTP answer (see module docstring)."""
    if 200 <= status < 300:
        return "sent"
    if status in (408, 429) or status >= 500:
        return "retry"
    if status in (401, 413, 415) or status < 400:
        return "failed"
    return "gone"


class PushSender:
    """Sends Web Push messages over one keep-alive connection pool (`pool_size` connections per
    origin), and one aiohttp session for the origins a proxy serves.

        async with PushSender(settings) as sender:
            results = await sender.send_many(targets, payload, ttl=3600, urgency="high")
    """

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: float = 10.0,
        signer: VapidSigner | None = None,
        pool_size: int = 100,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.signer = signer or VapidSigner.from_settings(settings)
        self._timeout = timeout
        self._pool_size = pool_size
        self._ssl_context = ssl_context
        self._pool: Http1Pool | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._pool = Http1Pool(
            limit_per_origin=self._pool_size, timeout=self._timeout, body_limit=_REASON_LIMIT,
            ssl_context=self._ssl_context,
        )  # fmt: skip
        return self

    def _proxied(self) -> aiohttp.ClientSession:
        """The aiohttp session of proxied origins, opened on first use."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=0, limit_per_host=self._pool_size, keepalive_timeout=60,
                ssl=self._ssl_context if self._ssl_context is not None else True,
            )  # fmt: skip
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self._timeout),
                trust_env=False,  # the proxy comes from `proxy_for`, once per origin
                auto_decompress=False, skip_auto_headers=("User-Agent",), cookie_jar=aiohttp.DummyCookieJar(),
            )  # fmt: skip
        return self._session

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def connections_opened(self) -> int:
        """Connections the pool opened so far (keep-alive: far fewer than the pushes sent)."""
        return self._pool.connections_opened if self._pool is not None else 0

    async def send_one(
        self, target: PushTarget, payload: bytes, *, ttl: int, urgency: str, topic: str | None = None
    ) -> PushResult:
        """Send `payload` to one subscription."""
        [result] = await self.send_many([target], payload, ttl=ttl, urgency=urgency, topic=topic, concurrency=1)
        return result

    async def send_many(
        self,
        targets: Sequence[PushTarget],
        payload: bytes | Callable[[PushTarget], bytes],
        *,
        ttl: int,
        urgency: str,
        topic: str | None = None,
        concurrency: int = 64,
        on_result: Callable[[PushResult], Awaitable[None]] | None = None,
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> list[PushResult]:
        """Send `payload` to every target, at most `concurrency` requests at a time.

        `payload` is the same bytes for all, or a function giving each target's bytes (e.g.
        with its delivery id). Returns one result per target, in the order of `targets`;
        `on_result`, if given, is awaited with each result soon after it is known (in the order
        the answers came), and `before_send` before each request (back-pressure: the outcome
        journal's room). A request counts against `concurrency` until its result is handed to
        `on_result`. Raises ValueError for a bad `ttl`, `urgency` or `topic` (a caller bug, not
        a delivery failure).
        """
        if self._pool is None:
            raise RuntimeError("use `async with PushSender(settings) as sender`")
        if ttl < 0 or urgency not in URGENCIES or (topic is not None and not _TOPIC_RE.match(topic)):
            raise ValueError("ttl must be ≥ 0, urgency one of RFC 8030's, topic ≤ 32 base64url characters")
        headers = {"TTL": str(ttl), "Urgency": urgency, "Content-Encoding": "aes128gcm",
                   "Content-Type": "application/octet-stream"}
        if topic is not None:
            headers["Topic"] = topic
        batch = _Batch(self, self._pool, targets, headers, max(1, min(concurrency, len(targets))), on_result,
                       before_send)
        await batch.run(payload)
        return cast(list[PushResult], batch.results)

    async def post_proxied(self, target: PushTarget, body: bytes, route: _Route) -> PushResult:
        """POST one push through the aiohttp session of proxied origins."""
        try:
            async with self._proxied().post(target.endpoint, data=body, headers=route.headers, proxy=route.proxy,
                                            allow_redirects=False) as answer:
                status, retry_after = answer.status, answer.headers.get("Retry-After")
                text = "" if 200 <= status < 300 else \
                    (await answer.content.read(_REASON_LIMIT)).decode("utf-8", "replace")
        except TimeoutError:
            return PushResult(target.ref, "retry", None, "timeout")
        except (aiohttp.ClientError, OSError) as exc:
            return PushResult(target.ref, "retry", None, f"connection error: {exc!r}"[:_REASON_LIMIT])
        return _answer_result(target, status, text, retry_after)


def _answer_result(target: PushTarget, status: int, text: str, retry_after: str | None) -> PushResult:
    if 200 <= status < 300:
        return PushResult(target.ref, "sent", status, "")
    reason = f"{status} {text}".strip()
    if retry_after:
        reason += f" (Retry-After: {retry_after})"
    return PushResult(target.ref, classify_status(status), status, reason[:_REASON_LIMIT])


def _pool_result(target: PushTarget, response: Response | None, error: BaseException | None) -> PushResult:
    """The result of a request on the pool: its answer, or why there was none."""
    if response is not None:
        if 200 <= response.status < 300:
            return PushResult(target.ref, "sent", response.status, "")
        return _answer_result(target, response.status, response.body.decode("utf-8", "replace"),
                              response.headers.get("retry-after"))
    if isinstance(error, TimeoutError):
        return PushResult(target.ref, "retry", None, "timeout")
    return PushResult(target.ref, "retry", None, f"connection error: {error!r}"[:_REASON_LIMIT])


class _Batch:
    """One `send_many`, run by the caller's task alone: it encrypts the messages a few at a
    time, starts requests on the pool's free connections (`Http1Pool.begin`: the answer comes
    back through a callback), and between two runs of encryption hands the answers come
    meanwhile to `on_result`. Requests to proxied origins run as tasks of their own.

    With one task per request in flight (64 per job, 6 jobs per worker, for 100 connections per
    origin), each push cost a task switch for its answer and usually another for a connection
    slot and one for the journal's room (bench/fanout.py: ~210 µs of worker CPU a push)."""

    def __init__(self, sender: PushSender, pool: Http1Pool, targets: Sequence[PushTarget],
                 headers: dict[str, str], limit: int, on_result: Callable[[PushResult], Awaitable[None]] | None,
                 before_send: Callable[[], Awaitable[None]] | None) -> None:
        self.sender, self.pool, self.targets, self.headers, self.limit = sender, pool, targets, headers, limit
        self.on_result, self.before_send = on_result, before_send
        self.results: list[PushResult | None] = [None] * len(targets)
        self.ready: dict[str, deque[tuple[int, PushTarget, bytes]]] = {}
        """Per origin, the encrypted messages not started yet."""
        self.ready_count = 0
        self.done: deque[tuple[int, str, PushResult]] = deque()
        """Results known and not yet handed to `on_result`."""
        self.active = 0
        """Requests started whose result is not handed on yet (≤ `limit`)."""
        self.routes: dict[str, _Route] = {}
        self.slots: dict[str, Origin] = {}
        self.blocked: list[Origin] = []
        self.wake: asyncio.Future[None] | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.answers: dict[tuple[str, int | None], Any] = {}  # the counter of each (origin, status), looked up once
        self.in_flight = metrics.SENDS_IN_FLIGHT.labels("push")

    async def run(self, payload: bytes | Callable[[PushTarget], bytes]) -> None:
        settings = self.sender.settings
        try:
            for index, target in enumerate(self.targets):
                clear = payload(target) if callable(payload) else payload
                origin = endpoint_origin(settings, target.endpoint)
                if len(clear) > MAX_PAYLOAD:
                    await self.record(index, PushResult(target.ref, "failed", None, "payload too large"))
                    continue
                if origin is None:
                    await self.record(index, PushResult(target.ref, "failed", None, "endpoint not allowed"))
                    continue
                try:
                    body = encrypt_payload(target, clear)
                except ValueError as exc:
                    await self.record(index, PushResult(target.ref, "failed", None, f"invalid subscription keys: {exc}"))
                    continue
                queue = self.ready.get(origin)
                if queue is None:
                    queue = self.ready[origin] = deque()
                    if origin not in self.routes:
                        authorization = self.sender.signer.authorization(origin)
                        self.routes[origin] = _route({**self.headers, "Authorization": authorization}, proxy_for(origin))
                queue.append((index, target, body))
                self.ready_count += 1
                if index % _ENCRYPT_RUN == _ENCRYPT_RUN - 1:
                    await self.step(last=False)
            while self.ready_count or self.active or self.done:
                await self.step(last=True)
        finally:
            for task in self.tasks:
                task.cancel()
            if self.active:  # cut short (the job cancelled, or `on_result` failed): its requests no longer count
                self.in_flight.dec(self.active)

    async def record(self, index: int, result: PushResult) -> None:
        self.results[index] = result
        if self.on_result is not None:
            await self.on_result(result)

    async def step(self, last: bool) -> None:
        """Hand on the results come, start what may start; then let the loop read the answers,
        or wait for one when enough messages wait encrypted (or none is left to encrypt)."""
        await self.hand_on()
        await self.start()
        if self.done:
            return
        if last or self.ready_count >= 2 * self.limit:
            if self.ready_count or self.active:
                await self.wait()
        else:
            await asyncio.sleep(0)

    async def hand_on(self) -> None:
        while self.done:
            index, origin, result = self.done.popleft()
            self.active -= 1
            self.in_flight.dec()  # counted until its outcome is handed on: a killed worker would send it again
            counter = self.answers.get((origin, result.status))
            if counter is None:
                counter = self.answers[(origin, result.status)] = metrics.PUSH_ANSWERS.labels(
                    origin, str(result.status) if result.status else "none")
            counter.inc()
            await self.record(index, result)

    async def start(self) -> None:
        for origin in list(self.ready):
            queue = self.ready[origin]
            route = self.routes[origin]
            while queue and self.active < self.limit:
                if route.proxy is None:
                    slot = self.slots.get(origin) or self.slots.setdefault(origin, self.pool.origin(origin))
                    if slot.busy >= self.pool.limit_per_origin:
                        self.blocked.append(slot)
                        break
                    if self.before_send is not None:
                        await self.before_send()
                    if not queue or self.active >= self.limit or not self.pool.try_reserve(slot):
                        continue  # taken meanwhile: look again
                    index, target, body = queue.popleft()
                    self.ready_count -= 1
                    self.active += 1
                    self.in_flight.inc()
                    _, data = self.pool.prepare(target.endpoint, body, route.raw_headers)
                    self.pool.begin(slot, data, functools.partial(self.answered, index, target, origin))
                else:
                    if self.before_send is not None:
                        await self.before_send()
                    if not queue or self.active >= self.limit:
                        continue
                    index, target, body = queue.popleft()
                    self.ready_count -= 1
                    self.active += 1
                    self.in_flight.inc()
                    task = asyncio.get_running_loop().create_task(self.proxied(index, target, body, route, origin))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
            if not queue:
                del self.ready[origin]
            if self.active >= self.limit:
                return

    def answered(self, index: int, target: PushTarget, origin: str, response: Response | None,
                 error: BaseException | None) -> None:
        """The pool's callback, on the loop: keep the result for `hand_on`."""
        self.finished(index, origin, _pool_result(target, response, error))

    def finished(self, index: int, origin: str, result: PushResult) -> None:
        self.done.append((index, origin, result))
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)

    async def proxied(self, index: int, target: PushTarget, body: bytes, route: _Route, origin: str) -> None:
        try:
            result = await self.sender.post_proxied(target, body, route)
        except Exception as exc:  # never leave the batch waiting for it
            result = PushResult(target.ref, "retry", None, f"error: {exc!r}"[:_REASON_LIMIT])
        self.finished(index, origin, result)

    async def wait(self) -> None:
        """Until a result comes or, when an origin's connections were all busy, one is free."""
        if any(slot.busy < self.pool.limit_per_origin for slot in self.blocked):
            self.blocked.clear()  # one was freed while this batch was starting others' requests
            return
        self.wake = asyncio.get_running_loop().create_future()
        for slot in self.blocked:
            slot.waiters.append(self.wake)
        self.blocked.clear()
        try:
            await self.wake
        finally:
            self.wake = None


def _route(headers: dict[str, str], proxy: str | None) -> _Route:
    raw = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("ascii")
    return _Route(raw_headers=raw, headers=headers, proxy=proxy)
