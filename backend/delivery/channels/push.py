"""Web Push adapter: encrypt (RFC 8291 aes128gcm), sign (VAPID, RFC 8292), POST (RFC 8030).

The alert fan-out hands `PushSender.send_many` a batch of plain `PushTarget`s and gets one
`PushResult` per target, in order; nothing here touches the database. Each payload is
encrypted with a fresh ephemeral key and salt (`encrypt_payload`: cryptography's ECDH and
AES-GCM, keys of a subscription decoded once); a VAPID token is signed once per push-service
origin and reused (`vapid.VapidSigner`); a bounded number of requests is in flight, started
and answered from the caller's task alone (push_batch.py: callbacks, not a task per request).

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

import logging
import re
import ssl
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self, cast

import aiohttp

from backend.delivery.channels.http1 import Http1Pool
from backend.delivery.channels.push_batch import PushBatch, Route
from backend.delivery.channels.push_message import (MAX_PAYLOAD, REASON_LIMIT, PushResult, PushTarget, answer_result,
                                                    classify_status, encrypt_payload)
from backend.delivery.channels.vapid import VapidSigner
from backend.settings import Settings

__all__ = ["MAX_PAYLOAD", "URGENCIES", "PushResult", "PushSender", "PushTarget", "classify_status", "encrypt_payload"]

log = logging.getLogger(__name__)

URGENCIES = frozenset({"very-low", "low", "normal", "high"})
_TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


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
            limit_per_origin=self._pool_size, timeout=self._timeout, body_limit=REASON_LIMIT,
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

    @property
    def connections_busy(self) -> int:
        """Connections with a request on the wire (or reserved for one) now."""
        return self._pool.busy if self._pool is not None else 0

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
        batch = PushBatch(self.settings, self._pool, targets, headers, max(1, min(concurrency, len(targets))),
                          authorization=self.signer.authorization, post_proxied=self.post_proxied,
                          on_result=on_result, before_send=before_send)
        await batch.run(payload)
        return cast(list[PushResult], batch.results)

    async def post_proxied(self, target: PushTarget, body: bytes, route: Route) -> PushResult:
        """POST one push through the aiohttp session of proxied origins."""
        try:
            async with self._proxied().post(target.endpoint, data=body, headers=route.headers, proxy=route.proxy,
                                            allow_redirects=False) as answer:
                status, retry_after = answer.status, answer.headers.get("Retry-After")
                text = "" if 200 <= status < 300 else \
                    (await answer.content.read(REASON_LIMIT)).decode("utf-8", "replace")
        except TimeoutError:
            return PushResult(target.ref, "retry", None, "timeout")
        except (aiohttp.ClientError, OSError) as exc:
            return PushResult(target.ref, "retry", None, f"connection error: {exc!r}"[:REASON_LIMIT])
        return answer_result(target, status, text, retry_after)
