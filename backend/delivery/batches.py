"""What every send job does around its channel: claim rows, load notices, journal outcomes, retry.

Jobs take ids, reload, and are idempotent: a send job first *claims* its rows (queued →
sending in one UPDATE, with its worker's identity and a short lease the worker renews, see
leases.py), so a replayed or duplicated job sends nothing twice; outcomes are written as they
come (outcomes.py: a new send waits while ~10 results are unrecorded), so a worker killed
mid-batch leaves at most the sends in flight plus ~10 to be sent again, seconds later, once
its leases lapse. What a worker keeps between its jobs (the push sender, the outcome
journals, the HTTP session) lives on its SAQ context and is closed when it stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import defaultdict
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, AsyncIterator, Callable, Mapping, NamedTuple, Sequence

import aiohttp

from backend.delivery import leases
from backend.delivery.kinds import KINDS, Notice
from backend.delivery.outcomes import Outcomes, SentJournal
from backend.delivery.states import DeliveryState
from backend.lib import i18n, metrics
from backend.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = (5, 30, 120, 600)  # seconds before attempts 2, 3, 4, 5


class Claimed(NamedTuple):
    """A delivery row this worker claimed (state `sending`, under its lease)."""

    id: int
    kind: str
    ref_id: int
    user_id: int | None  # None: a person without an account, their `phone` on the row (SMS only)
    channel: str
    attempts: int
    created_at: datetime


async def claim(ctx: dict[str, Any], delivery_ids: Sequence[int]) -> list[Claimed]:
    """Claim, for this job's worker, the rows among `delivery_ids` still queued."""
    settings: Settings = ctx["settings"]
    rows = await leases.claim(delivery_ids, ctx.get("worker_id") or leases.PROCESS_WORKER_ID,
                              settings.delivery_lease_seconds)
    return [Claimed(**r) for r in rows]


async def load_notices(ctx: dict[str, Any], rows: Sequence[Claimed],
                       locale_of: Mapping[int, str]) -> dict[tuple[str, int, str], Notice | None]:
    """The notice of each (kind, ref, recipient's language) of `rows`, once each (not once per
    recipient); None for a thing gone or a kind not wired. `locale_of`: user id -> "fr" | "en"."""
    out: dict[tuple[str, int, str], Notice | None] = {}
    for key in {notice_key(r, locale_of) for r in rows}:
        handler = KINDS.get(key[0])
        out[key] = await handler.notice(ctx["settings"], key[1], key[2]) if handler else None
    return out


def notice_key(row: Claimed, locale_of: Mapping[int, str]) -> tuple[str, int, str]:
    """The key of `row`'s notice in `load_notices`' answer."""
    return row.kind, row.ref_id, i18n.supported(locale_of.get(row.user_id))


async def retry_or_fail(ctx: dict[str, Any], channel: str, rows: Sequence[Claimed], reason: str,
                         outcomes: Outcomes) -> None:
    """Transient failure: back to queued with a delayed job, or failed after MAX_ATTEMPTS."""
    again = [r for r in rows if r.attempts < MAX_ATTEMPTS]
    for r in rows:
        if r.attempts >= MAX_ATTEMPTS:
            await outcomes.add(r.id, DeliveryState.FAILED, f"échec après {MAX_ATTEMPTS} essais : {reason}")
    if not again:
        return
    metrics.RETRIES.labels(channel).inc(len(again))
    for r in again:
        await outcomes.add(r.id, DeliveryState.QUEUED, f"nouvel essai : {reason}")
    await outcomes.flush()
    by_attempt: dict[int, list[int]] = defaultdict(list)
    for r in again:
        by_attempt[r.attempts].append(r.id)
    for attempts, ids in by_attempt.items():
        delay = BACKOFF[min(attempts, len(BACKOFF)) - 1] * ctx["settings"].retry_backoff_scale
        await ctx["queues"].enqueue(channel, f"send_{channel}", job_key=f"retry:{channel}:{ids[0]}:{attempts}",
                                    delivery_ids=ids, scheduled=int(time.time() + delay), timeout=120, retries=3)


class ResultSorter:
    """E-mail and SMS results (ref = delivery id) as they come: sent and failed to the outcome
    journal, transient ones grouped by reason and retried (or failed) by `finish`."""

    def __init__(self, ctx: dict[str, Any], channel: str, by_ref: dict[str, Claimed], outcomes: Outcomes) -> None:
        self.ctx, self.channel, self.by_ref, self.outcomes = ctx, channel, by_ref, outcomes
        self.retry: dict[str, list[Claimed]] = defaultdict(list)

    async def add(self, res: Any) -> None:
        row = self.by_ref[res.ref]
        if res.outcome == "sent":
            metrics.observe_sent(self.channel, row.created_at)
            await self.outcomes.add(row.id, DeliveryState.SENT)
        elif res.outcome == "retry":
            self.retry[res.reason].append(row)
        else:
            await self.outcomes.add(row.id, DeliveryState.FAILED, res.reason)

    async def finish(self) -> None:
        await self.outcomes.flush()
        for reason, group in self.retry.items():
            await retry_or_fail(self.ctx, self.channel, group, reason, self.outcomes)
        await self.outcomes.flush()


# Push first ----------------------------------------------------------------------------------

PUSHING_KEY = "vigie:pushing"
"""Valkey hash: worker id -> until when (epoch ms) that worker says it is running push jobs."""


class PushFirst:
    """E-mail jobs start once the push jobs of every worker process are done, or after `limit` s.

    Both compete for the same CPU (encrypting a push and writing an e-mail cost about the
    same), and a push is what wakes a neighbour up: with 10,000 recipients, sending both at
    once delayed the last push by the whole e-mail batch (bench/fanout.py). Within a process
    the running push jobs are counted; across processes each worker running push jobs keeps
    its entry of the `PUSHING_KEY` hash `ttl` s ahead (a worker that dies stops renewing it):
    a worker whose own pushes were done started its e-mails while the other still pushed on
    the same 2 cores, which delayed the last pushes (bench/fanout.py, up to 2 s at load 15).
    """

    def __init__(self, limit: float = 10.0, ttl: float = 1.5, pace: float = 1000.0) -> None:
        self.limit = limit
        self.ttl = ttl
        self.pace = pace
        """Pushes a second the workers send at the least: a fan-out's e-mails wait for its
        pushes `pushes / pace` s at most when that is longer than `limit` (`hold_seconds`)."""
        self.running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._beacon: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def pushing(self, ctx: dict[str, Any] | None = None) -> AsyncIterator[None]:
        self.running += 1
        self._idle.clear()
        client = (ctx or {}).get("valkey")
        if client is not None and (self._beacon is None or self._beacon.done()):
            self._beacon = asyncio.create_task(self._announce(client, ctx.get("worker_id") or "?"))  # type: ignore[union-attr]
        try:
            yield
        finally:
            self.running -= 1
            if not self.running:
                self._idle.set()

    async def _announce(self, client: Any, worker_id: str) -> None:
        """While this process runs push jobs, keep its entry `ttl` s ahead; remove it when done."""
        try:
            while self.running:
                while self.running:
                    await client.hset(PUSHING_KEY, worker_id, int((time.time() + self.ttl) * 1000))
                    try:
                        await asyncio.wait_for(self._idle.wait(), self.ttl / 3)
                    except TimeoutError:
                        pass
                await client.hdel(PUSHING_KEY, worker_id)  # then again if push jobs came meanwhile
        except Exception as exc:  # Valkey trouble: the other processes' e-mails wait only for `limit`
            log.debug("push beacon: %r", exc)

    def hold_seconds(self, pushes: int) -> float:
        """How long after its start a fan-out that queued `pushes` holds its e-mails for them at
        most: `limit`, or the time those pushes take at `pace` when longer. With 10 s whatever
        the audience, the e-mails of a 50,000-resident broadcast started while ~half its pushes
        were still to go, and the two shared the workers' CPU to the end (bench/scale.py)."""
        return max(self.limit, pushes / self.pace)

    async def wait(self, ctx: dict[str, Any] | None = None, until: float | None = None) -> None:
        """Return once no worker process runs push jobs, after `limit` s at most — or at `until`
        (a Unix time) instead when given: a fan-out's deadline for its e-mails (`hold_seconds`
        from its start, the fan-out's own wait before writing their rows included:
        `fanout.fan_out(after_pushes=…)`)."""
        loop = asyncio.get_running_loop()
        limit = self.limit if until is None else max(0.0, until - time.time())
        deadline = loop.time() + limit
        if not limit:
            return
        if self.running:
            try:
                await asyncio.wait_for(self._idle.wait(), limit)
            except TimeoutError:
                return
        client = (ctx or {}).get("valkey")
        if client is None:
            return
        mine = str((ctx or {}).get("worker_id") or "?").encode()
        try:
            while loop.time() < deadline:
                now_ms = time.time() * 1000
                others = (await client.hgetall(PUSHING_KEY)).items()
                if not any(int(until) > now_ms for worker, until in others if worker not in (mine, mine.decode())):
                    return
                await asyncio.sleep(0.05)
        except Exception as exc:  # Valkey trouble: go on
            log.debug("push beacons not read: %r", exc)


_push_first: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PushFirst] = weakref.WeakKeyDictionary()


def push_first() -> PushFirst:
    """The gate of this process (and event loop)."""
    loop = asyncio.get_running_loop()
    gate = _push_first.get(loop)
    if gate is None:
        gate = _push_first[loop] = PushFirst()
    return gate


# What a worker keeps between jobs ------------------------------------------------------------

def worker_context(ctx: dict[str, Any]) -> dict[str, Any]:
    """Where a job keeps what outlives it: SAQ hands each job a *copy* of its worker's context,
    so a session stored on `ctx` would be opened (and leaked) once per job; stored on the
    worker's own context it serves every job of that worker, and `WorkerSet.stop` closes it."""
    worker = ctx.get("worker")
    return worker.context if worker is not None else ctx


async def kept(ctx: dict[str, Any], name: str, make: Callable[[], Any]) -> Any:
    """The worker's `name`: an async context manager made and entered on first use, kept on
    the worker's context for every later job, exited by `WorkerSet.stop` (its "closers")."""
    shared = worker_context(ctx)
    kept = shared.get(name)
    if kept is None:
        kept = shared[name] = await make().__aenter__()
        shared.setdefault("closers", []).append(lambda: kept.__aexit__(None, None, None))
    return kept


@asynccontextmanager
async def journal(ctx: dict[str, Any], channel: str) -> AsyncIterator[Outcomes]:
    """The outcome journal of the worker's `channel` jobs, flushed when the job ends.

    One for all the concurrent jobs of a worker, not one each: each write takes what they all
    got, in one UPDATE per (state, reason). With a buffer per job, 20 jobs in flight wrote ~100
    small UPDATEs a second per worker, which queued behind each other on the process's one
    SQLite connection (and on the write lock shared with other workers). Its `room()` holds
    new sends while `delivery_unrecorded_limit` accepted sends are not yet in the worker's sent
    journal (Valkey), so a killed worker leaves at most that many (plus the requests in
    flight) to be sent again; the rows are written every 0.2 s.
    """
    settings: Settings = ctx["settings"]
    client = ctx.get("valkey")
    journal = SentJournal(client, ctx.get("worker_id") or leases.PROCESS_WORKER_ID) if client is not None else None

    def make() -> Outcomes:
        return Outcomes(every=0.2, size=settings.delivery_unrecorded_limit, journal=journal,
                        on_write=metrics.outcomes_written(channel))

    shared = worker_context(ctx)
    if shared is ctx:  # not run by a SAQ worker: a journal of its own
        async with make() as outcomes:
            yield outcomes
        return
    outcomes = await kept(ctx, f"{channel}_outcomes", make)  # ticks for its life
    try:
        yield outcomes
    finally:
        await outcomes.flush()


@asynccontextmanager
async def handing_back(ctx: dict[str, Any], channel: str, delivery_ids: Sequence[int]) -> AsyncIterator[None]:
    """Around a send job: if it fails, or SAQ cuts it short at its timeout, its claimed rows with
    no known outcome are handed back (`leases.hand_back`) before the error goes on to SAQ (whose
    retry of the job would find nothing left to claim). Not when its worker is stopping: the
    stop hands back all it holds, saying so."""
    try:
        yield
    except BaseException as exc:
        worker = ctx.get("worker")
        stopping = worker is None or getattr(worker, "draining", False) or \
            getattr(worker, "event", None) is None or worker.event.is_set()
        if isinstance(exc, asyncio.CancelledError) and stopping:
            raise  # the worker is stopping: `WorkerSet.stop` hands its rows back (or their lease lapses)
        outcomes = worker_context(ctx).get(f"{channel}_outcomes")
        known = outcomes.known() if outcomes is not None else set()
        worker_id = ctx.get("worker_id") or leases.PROCESS_WORKER_ID
        try:  # shielded: a job cut short by its timeout is cancelled, the hand-back must still run
            handed = await asyncio.shield(leases.hand_back(ctx["queues"], worker_id, delivery_ids, known))
            if handed:
                log.warning("%s job failed (%r): %d deliveries handed back", channel, exc, handed)
        except Exception as trouble:  # the database is down too: they stay `sending` until it answers
            log.error("%s job failed (%r); its deliveries could not be handed back: %r", channel, exc, trouble)
        raise


async def http_session(ctx: dict[str, Any]) -> aiohttp.ClientSession:
    shared = worker_context(ctx)
    session = shared.get("http_session")
    if session is None or session.closed:
        # trust_env: the SMS provider through HTTPS_PROXY/HTTP_PROXY (minus NO_PROXY) where egress needs it
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20), trust_env=True)
        shared["http_session"] = session
        shared.setdefault("closers", []).append(session.close)
    return session
