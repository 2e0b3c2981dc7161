"""A small keep-alive HTTP/1.1 client for POSTing to push services (direct egress; proxied origins use aiohttp, push.py).

Web Push sends thousands of small POSTs to a handful of origins, each answered by a status
and a few bytes. With aiohttp's client, a push cost `PushSender` ~264 µs of CPU in
bench/channels.py, ~140 µs of it outside encryption — more than the encryption itself; with
this one ~167 µs, ~70 µs outside it (request, answer, queue and bookkeeping): requests are
written as one pre-built byte string on an `asyncio.Protocol`, and answers are parsed by
httptools (llhttp, the C parser uvicorn uses). It does only what pushing needs:

- `POST` with a body and a fixed set of headers, one request at a time per connection;
- keep-alive connections pooled per origin (at most `limit_per_origin` open), TLS with the
  default (verifying) context for `https`, connections idle longer than `idle_timeout`
  closed rather than reused;
- a request on a reused connection that the server closed before answering anything is sent
  again once on a new connection (the server closed it while idle: nothing was processed);
- the answer's status, headers (lower-cased names) and the first `body_limit` bytes of the
  body (the rest is read and dropped, so the connection stays usable); no redirects followed,
  no decompression, no cookies, no proxies.

Two ways in: `post` awaits a free connection and returns the answer; a sender keeping many
requests going from one task takes a slot with `try_reserve` (no waiting) and `begin`s the
request with a callback that gets the answer on the loop, with no task or future per request
(push.py's batches: ~10 % less worker CPU a push in bench/fanout.py, docs/architecture.md).

Errors raise `OSError` (connection refused/reset/closed, TLS failures, malformed answers, as
`HttpError`) or `TimeoutError` (`timeout` seconds for the whole request, connect included),
or are handed to the callback. A
request's deadline is checked by one watchdog per pool, every `timeout / 4` (≤ 1 s), rather
than by an `asyncio.timeout` per request: that timer, armed and cancelled for every push, was
~10 % of the sender's CPU (bench/channels.py under py-spy). So a request times out between
`timeout` and `timeout` + its period.
The caller validates URLs (push.py's allow-list); `post` splits an already-checked URL.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from backend.delivery.channels.http1_connection import Answer, Connection, HttpError, Response

__all__ = ["Answer", "Http1Pool", "HttpError", "Origin", "Response"]


@dataclass
class Origin:
    """One origin's connections: at most the pool's `limit_per_origin` reserved at once."""

    scheme: str
    host: str
    port: int
    authority: str
    busy: int = 0
    """Slots reserved: a request being sent or awaited (or about to be)."""
    idle: deque[Connection] = field(default_factory=deque)
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)
    """`post` callers waiting for a slot."""


class Http1Pool:
    """Keep-alive connections per origin; `async with Http1Pool() as pool: await pool.post(...)`.

    Two ways in. `post` awaits a slot, sends and returns the answer. A sender that keeps many
    requests going from one task (push.py) takes the other: `try_reserve` a slot (no waiting;
    False when the origin's connections are all busy), `begin` the request with a callback that
    gets the answer on the loop — no task, future or semaphore wake-up per request."""

    def __init__(
        self,
        *,
        limit_per_origin: int = 100,
        timeout: float = 10.0,
        idle_timeout: float = 30.0,
        body_limit: int = 200,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.limit_per_origin = limit_per_origin
        self.timeout = timeout
        self.idle_timeout = idle_timeout
        self.body_limit = body_limit
        self._ssl = ssl_context
        self._origins: dict[str, Origin] = {}
        self._open: set[Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections_opened = 0
        self._watchdog: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Http1Pool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        for task in list(self._tasks):
            task.cancel()
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._origins.clear()
        await asyncio.sleep(0)  # let the transports run their close callbacks

    @property
    def busy(self) -> int:
        """Slots reserved now, all origins together."""
        return sum(known.busy for known in self._origins.values())

    def origin(self, origin: str) -> Origin:
        """The `Origin` of "scheme://host[:port]" (lower-case scheme)."""
        known = self._origins.get(origin)
        if known is not None:
            return known
        scheme, _, authority = origin.partition("://")
        host, _, port = authority.partition(":")
        default = 443 if scheme == "https" else 80
        known = self._origins[origin] = Origin(scheme, host, int(port) if port else default, authority)
        return known

    def prepare(self, url: str, body: bytes, headers: bytes) -> tuple[Origin, bytes]:
        """The origin of `url` (http or https, already validated) and the bytes of a POST of
        `body` to it; `headers` is the encoded block of extra header lines, each ending in CRLF
        (no Host or Content-Length)."""
        scheme, _, rest = url.partition("://")
        authority, _, path = rest.partition("/")
        path = path.split("#", 1)[0]
        origin = self.origin(f"{scheme.lower()}://{authority}")
        data = b"".join((
            b"POST /", path.encode("ascii"), b" HTTP/1.1\r\nHost: ", origin.authority.encode("ascii"),
            b"\r\nContent-Length: ", str(len(body)).encode("ascii"), b"\r\n", headers, b"\r\n", body,
        ))  # fmt: skip
        return origin, data

    def try_reserve(self, origin: Origin) -> bool:
        """Reserve one of `origin`'s connection slots for a `begin`; False if all are busy."""
        if origin.busy >= self.limit_per_origin:
            return False
        origin.busy += 1
        return True

    def unreserve(self, origin: Origin) -> None:
        """Give a slot back (its request answered, failed, or never begun); wake a `post` waiting for one."""
        origin.busy -= 1
        self._pass_on(origin)

    def begin(self, origin: Origin, data: bytes, answer: Answer) -> Connection | None:
        """Send `data` (from `prepare`) on a reserved slot of `origin`. `answer` is called once,
        on the loop, after the slot is given back: with the response, or with an `OSError`
        (`HttpError` included) or `TimeoutError` (`timeout` s, connect included). Returns the
        kept connection it went out on (the caller may `give_up()` the request there), or
        None when a new one is being opened for it."""
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch(), name="http1-watchdog")
        deadline = asyncio.get_running_loop().time() + self.timeout
        conn = self._reuse(origin)
        if conn is None:
            self._spawn(self._connect_and_send(origin, data, deadline, answer))
            return None
        conn.request(data, deadline, lambda response, error: self._answered(
            origin, conn, data, deadline, answer, True, response, error))
        return conn

    async def post(self, url: str, body: bytes, headers: bytes,
                   admitted: Callable[[], Awaitable[None]] | None = None) -> Response:
        """POST `body` to `url` (see `prepare`) and return the answer (errors as in `begin`).
        `admitted`, if given, is awaited once a connection slot is held, just before sending
        (back-pressure that counts only requests really going out)."""
        origin, data = self.prepare(url, body, headers)
        loop = asyncio.get_running_loop()
        while not self.try_reserve(origin):
            waiter = loop.create_future()
            origin.waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._pass_on(origin)  # woken, then cancelled: the next waiter gets the slot
                raise
        try:
            if admitted is not None:
                await admitted()
        except BaseException:
            self.unreserve(origin)
            raise
        answered: asyncio.Future[Response] = loop.create_future()

        def answer(response: Response | None, error: BaseException | None) -> None:
            if answered.done():
                return
            if error is not None:
                answered.set_exception(error)
            else:
                answered.set_result(response)  # type: ignore[arg-type]

        self.begin(origin, data, answer)
        return await answered

    def _pass_on(self, origin: Origin) -> None:
        """Wake the first `post` (or batch) still waiting for one of `origin`'s slots."""
        while origin.waiters:
            waiter = origin.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _answered(self, origin: Origin, conn: Connection, data: bytes, deadline: float, answer: Answer,
                  reused: bool, response: Response | None, error: BaseException | None) -> None:
        if error is None:
            if conn.closed:
                self._open.discard(conn)
            else:
                conn.idle_since = time.monotonic()
                origin.idle.append(conn)
            self.unreserve(origin)
            answer(response, None)
            return
        self._drop(conn)
        if reused and isinstance(error, HttpError) and conn.answered_nothing and not conn.given_up:
            # closed by the server while idle: nothing was processed, send it again on a new connection
            self._spawn(self._connect_and_send(origin, data, deadline, answer))
            return
        self.unreserve(origin)
        answer(None, error)

    async def _connect_and_send(self, origin: Origin, data: bytes, deadline: float, answer: Answer) -> None:
        try:
            async with asyncio.timeout_at(deadline):  # rare: connections are reused
                conn = await self._connect(origin)
        except asyncio.CancelledError:  # the pool is closing
            self.unreserve(origin)
            answer(None, HttpError("connection pool closed"))
            raise
        except Exception as exc:  # OSError (refused, TLS…), TimeoutError; anything else as an HttpError
            self.unreserve(origin)
            answer(None, exc if isinstance(exc, (OSError, TimeoutError)) else HttpError(f"cannot connect: {exc!r}"))
            return
        conn.request(data, deadline, lambda response, error: self._answered(
            origin, conn, data, deadline, answer, False, response, error))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch(self) -> None:
        """Fail the requests past their deadline, every `timeout / 4` (≤ 1 s)."""
        loop = asyncio.get_running_loop()
        period = min(1.0, max(0.02, self.timeout / 4))
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            for conn in [c for c in self._open if c.waiting and c.deadline <= now]:
                conn.expire()

    def _drop(self, conn: Connection) -> None:
        conn.abort()
        self._open.discard(conn)

    def _reuse(self, origin: Origin) -> Connection | None:
        now = time.monotonic()
        while origin.idle:
            conn = origin.idle.pop()  # the most recently used: the least likely to be closed
            if conn.closed or now - conn.idle_since > self.idle_timeout:
                conn.close()
                self._open.discard(conn)
                continue
            return conn
        return None

    async def _connect(self, origin: Origin) -> Connection:
        loop = asyncio.get_running_loop()
        tls: ssl.SSLContext | None = None
        if origin.scheme == "https":
            tls = self._ssl or _default_context()
        _, conn = await loop.create_connection(
            lambda: Connection(self.body_limit), origin.host, origin.port, ssl=tls,
            server_hostname=origin.host if tls is not None else None,
        )  # fmt: skip
        self._open.add(conn)
        self.connections_opened += 1
        return conn


_CONTEXT: ssl.SSLContext | None = None


def _default_context() -> ssl.SSLContext:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = ssl.create_default_context()
    return _CONTEXT
