"""The batch of one `PushSender.send_many`: encrypt, start, hand on, from the caller's task alone.

Requests to an origin the pool serves begin on its free connections (`Http1Pool.try_reserve`,
`begin`) and come back through a callback; requests to proxied origins are tasks of their own
(aiohttp through the proxy).
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from backend.delivery.channels.endpoints import endpoint_origin, proxy_for
from backend.delivery.channels.http1 import Http1Pool, Origin, Response
from backend.delivery.channels.http1_connection import Connection
from backend.delivery.channels.push_message import (MAX_PAYLOAD, REASON_LIMIT, PushResult, PushTarget, answer_result,
                                                    encrypt_payload)
from backend.lib import metrics
from backend.settings import Settings

ENCRYPT_RUN = 16
"""Messages encrypted in a row before the batch hands answers on and starts requests (~1.3 ms)."""


@dataclass(frozen=True)
class Route:
    """How pushes to one origin go out: the pool's header block, or aiohttp's headers and proxy."""

    raw_headers: bytes
    headers: dict[str, str]
    proxy: str | None


def route(headers: dict[str, str], proxy: str | None) -> Route:
    """The `Route` of an origin: `headers` (with its VAPID Authorization) as aiohttp's and as the pool's block."""
    raw = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("ascii")
    return Route(raw_headers=raw, headers=headers, proxy=proxy)


def pool_result(target: PushTarget, response: Response | None, error: BaseException | None) -> PushResult:
    """The result of a request on the pool: its answer, or why there was none."""
    if response is not None:
        if 200 <= response.status < 300:
            return PushResult(target.ref, "sent", response.status, "")
        return answer_result(target, response.status, response.body.decode("utf-8", "replace"),
                             response.headers.get("retry-after"))
    if isinstance(error, TimeoutError):
        return PushResult(target.ref, "retry", None, "timeout")
    return PushResult(target.ref, "retry", None, f"connection error: {error!r}"[:REASON_LIMIT])


class PushBatch:
    """One `send_many`, run by the caller's task alone: it encrypts the messages a few at a
    time, starts requests on the pool's free connections (`Http1Pool.begin`: the answer comes
    back through a callback), and between two runs of encryption hands the answers come
    meanwhile to `on_result`. Requests to proxied origins run as tasks of their own.

    With one task per request in flight (64 per job, 6 jobs per worker, for 100 connections per
    origin), each push cost a task switch for its answer and usually another for a connection
    slot and one for the journal's room (bench/fanout.py: ~210 µs of worker CPU a push)."""

    def __init__(self, settings: Settings, pool: Http1Pool, targets: Sequence[PushTarget], headers: dict[str, str],
                 limit: int, *, authorization: Callable[[str], str],
                 post_proxied: Callable[[PushTarget, bytes, Route], Awaitable[PushResult]],
                 on_result: Callable[[PushResult], Awaitable[None]] | None,
                 before_send: Callable[[], Awaitable[None]] | None) -> None:
        self.settings, self.pool, self.targets, self.headers, self.limit = settings, pool, targets, headers, limit
        self.authorization, self.post_proxied = authorization, post_proxied
        self.on_result, self.before_send = on_result, before_send
        self.results: list[PushResult | None] = [None] * len(targets)
        self.ready: dict[str, deque[tuple[int, PushTarget, bytes]]] = {}
        """Per origin, the encrypted messages not started yet."""
        self.ready_count = 0
        self.done: deque[tuple[int, str, PushResult]] = deque()
        """Results known and not yet handed to `on_result`."""
        self.active = 0
        """Requests started whose result is not handed on yet (≤ `limit`)."""
        self.routes: dict[str, Route] = {}
        self.blocked: list[Origin] = []
        self.wake: asyncio.Future[None] | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.wire: dict[int, Connection] = {}
        """The kept connections of the requests awaiting their answer, by index."""
        self.answers: dict[tuple[str, int | None], Any] = {}  # the counter of each (origin, status), looked up once
        self.in_flight = metrics.SENDS_IN_FLIGHT.labels("push")

    async def run(self, payload: bytes | Callable[[PushTarget], bytes]) -> None:
        settings = self.settings
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
                        authorization = self.authorization(origin)
                        self.routes[origin] = route({**self.headers, "Authorization": authorization}, proxy_for(origin))
                queue.append((index, target, body))
                self.ready_count += 1
                if index % ENCRYPT_RUN == ENCRYPT_RUN - 1:
                    await self.step(last=False)
            while self.ready_count or self.active or self.done:
                await self.step(last=True)
        finally:
            for task in self.tasks:
                task.cancel()
            for conn in list(self.wire.values()):  # cut short: give up the requests on the wire, as the rows
                conn.give_up()  # go back to the queue and will be sent again (fewer sent twice)
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
                    slot = self.pool.origin(origin)
                    if slot.busy >= self.pool.limit_per_origin:
                        self.blocked.append(slot)
                        break
                    if self.before_send is not None:
                        await self.before_send()
                    if not queue or self.active >= self.limit or not self.pool.try_reserve(slot):
                        continue  # taken meanwhile: look again
                    index, target, body = self.take(queue)
                    _, data = self.pool.prepare(target.endpoint, body, route.raw_headers)
                    conn = self.pool.begin(slot, data, functools.partial(self.answered, index, target, origin))
                    if conn is not None:
                        self.wire[index] = conn
                else:
                    if self.before_send is not None:
                        await self.before_send()
                    if not queue or self.active >= self.limit:
                        continue
                    index, target, body = self.take(queue)
                    task = asyncio.get_running_loop().create_task(self.proxied(index, target, body, route, origin))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
            if not queue:
                del self.ready[origin]
            if self.active >= self.limit:
                return

    def take(self, queue: deque[tuple[int, PushTarget, bytes]]) -> tuple[int, PushTarget, bytes]:
        """The next encrypted message of `queue`, counted as started."""
        self.ready_count -= 1
        self.active += 1
        self.in_flight.inc()
        return queue.popleft()

    def answered(self, index: int, target: PushTarget, origin: str, response: Response | None,
                 error: BaseException | None) -> None:
        """The pool's callback, on the loop: keep the result for `hand_on`."""
        self.wire.pop(index, None)
        self.finished(index, origin, pool_result(target, response, error))

    def finished(self, index: int, origin: str, result: PushResult) -> None:
        self.done.append((index, origin, result))
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)

    async def proxied(self, index: int, target: PushTarget, body: bytes, route: Route, origin: str) -> None:
        try:
            result = await self.post_proxied(target, body, route)
        except Exception as exc:  # never leave the batch waiting for it
            result = PushResult(target.ref, "retry", None, f"error: {exc!r}"[:REASON_LIMIT])
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
