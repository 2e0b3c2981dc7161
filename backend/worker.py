"""SAQ workers: one Worker per queue, all in one process (`vigie worker`) or inside the API (tests).

What they run comes from `backend.domains.DOMAINS`: each domain's job functions by queue,
its periodic loops (outbox re-dispatch, schedulers…) and its notification kinds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import defaultdict
from typing import Any, Awaitable, Callable

from saq import Worker

from backend.delivery import kinds, leases
from backend.delivery.leases import new_worker_id, saq_worker_id
from backend.domains import DOMAINS
from backend.health import workers as heartbeats
from backend.lib.queues import QUEUE_NAMES, Queues
from backend.settings import Settings

log = logging.getLogger(__name__)


def job_functions() -> dict[str, list[Callable[..., Any]]]:
    """Every domain's job functions by queue (backend/domains.py)."""
    merged: dict[str, list[Callable[..., Any]]] = defaultdict(list)
    for domain in DOMAINS:
        for queue, functions in domain.job_functions.items():
            merged[queue].extend(functions)
    return merged


def periodic_tasks() -> list[tuple[float | str, Callable[[dict[str, Any]], Awaitable[Any]]]]:
    """(interval, coroutine); an interval given as a str is the setting of that name."""
    return [task for domain in DOMAINS for task in domain.periodic]


def queue_concurrency(settings: Settings, queue: str) -> int:
    """Jobs of `queue` one worker process runs at once (push jobs are CPU-bound: fewer of them)."""
    return settings.push_jobs_per_worker if queue == "push" else settings.worker_concurrency


def polling_slots(settings: Settings) -> int:
    """SAQ slots one started worker process has waiting on its queues (one BLMOVE each)."""
    return sum(queue_concurrency(settings, name) for name in QUEUE_NAMES)


def install_notification_kinds() -> None:
    """Hand every domain's notification kinds and outbox tasks to the fan-out (backend.delivery.kinds)."""
    for domain in DOMAINS:
        for kind, handler in domain.notification_kinds.items():
            kinds.register(kind, handler)
        for kind, task in domain.outbox_tasks.items():
            kinds.register_task(kind, task)


async def _noop(ctx: dict[str, Any]) -> None:
    return None


SWEEP_HOLD = 10
"""Seconds a starting worker holds SAQ's sweep off (`WorkerSet._hold_sweeps`)."""


class QueueWorker(Worker):
    """SAQ's Worker, able to drain: once `draining`, its free slots take no new job while the
    running ones go on (SAQ's own grace period would also wait for its upkeep loops)."""

    draining = False

    async def process(self) -> bool:
        if self.draining:
            await asyncio.sleep(0.1)  # hold the slot, take nothing
            return False
        return await super().process()

    def running(self) -> int:
        """Jobs running now."""
        return len(self.job_task_contexts)


class WorkerSet:
    """All queue workers and periodic loops of one process."""

    def __init__(self, settings: Settings, queues: Queues, context: dict[str, Any]) -> None:
        self.settings = settings
        self.queues = queues
        self.context = context
        install_notification_kinds()
        # Who holds the claims of this process's send jobs (leases.py), and its heartbeat's name.
        self.context.setdefault("worker_id", new_worker_id())
        self.context.setdefault("domains", DOMAINS)  # the privacy job walks every domain's declarations
        self.context.setdefault("worker_started", time.time())
        self.workers: list[QueueWorker] = []
        self.release_on_stop = False
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        functions = job_functions()

        async def startup(ctx: dict[str, Any]) -> None:
            ctx.update(self.context)

        await self._beat()  # known alive before it takes a job (others would rescue that job)
        await self._hold_sweeps()
        for name in QUEUE_NAMES:
            worker = QueueWorker(
                self.queues[name], functions=functions.get(name) or [_noop],
                id=saq_worker_id(self.context["worker_id"], name),  # on the jobs it takes (leases.rescue_jobs)
                concurrency=queue_concurrency(self.settings, name), startup=startup,
                # SAQ's grace period also waits for its upkeep loops, which sleep up to a
                # minute, so every stop would last the whole grace: stop at once instead. A
                # job cut short is put back by SAQ (job.retry) and our jobs are idempotent.
                dequeue_timeout=1.0, shutdown_grace_period_s=None, cancellation_hard_deadline_s=2.0,
            )
            worker.SIGNALS = []  # the host process owns signals (STACK.md)
            self.workers.append(worker)
            self.tasks.append(asyncio.create_task(worker.start(), name=f"saq-{name}"))
        await self._wait_started()
        for interval, func in periodic_tasks():
            if isinstance(interval, str):
                interval = float(getattr(self.settings, interval))
            interval = self.settings.maintenance_interval_seconds if func.__name__ == "maintenance" else interval
            self.tasks.append(asyncio.create_task(self._every(interval, func), name=f"periodic-{func.__name__}"))

    async def _wait_started(self, timeout: float = 10.0) -> None:
        """Return once every worker polls its queue: stopping a half-started SAQ worker hangs."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if all(len(w.tasks) >= w.concurrency for w in self.workers):
                return
            for task in self.tasks:
                if task.done():
                    task.result()  # a worker that died at start-up: raise its error
            await asyncio.sleep(0.01)
        raise RuntimeError("SAQ workers did not start in time")

    async def _every(self, interval: float, func: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        ctx = dict(self.context)
        while True:
            try:
                await func(ctx)
            except asyncio.CancelledError:
                raise
            except Exception:  # a maintenance loop must survive Valkey or DB hiccups
                log.exception("periodic task %s failed", func.__name__)
            if (task := asyncio.current_task()) is not None and task.cancelling():
                # stop() cancelled us while a library under `func` swallowed the CancelledError:
                # sleeping on would hold the shutdown for a whole interval (its 10 s bound, then a warning)
                raise asyncio.CancelledError
            await asyncio.sleep(interval)

    async def _hold_sweeps(self) -> None:
        """Keep SAQ's first sweep off the jobs this process is about to dequeue.

        A starting SAQ worker sweeps its queue's active list at once, and SAQ sweeps every job
        there whose status is not `active` — including one a worker has just moved there (BLMOVE)
        and not yet marked active (tobymao/saq#124, #277, open): the sweep aborts it and takes it
        off the active list, and only retries it once the abort is seen, up to 5 s later. A worker
        started while jobs wait swept its own first job that way, then ran it all the same; killed
        within those 5 s, it left that job in no list, out of `leases.rescue_jobs`' sight: a
        fan-out cut short stayed so until the outbox's re-dispatch (tests/delivery/test_worker_kill.py,
        3 Dec 2026: 3 runs in 3 with the push kill first, under a CPU hog). SAQ's sweep takes a lock
        key (one sweep per minute for all workers): set here for SWEEP_HOLD s if no sweep holds it,
        so this process's sweep comes a minute later and another's not before SWEEP_HOLD s."""
        client = self.context.get("valkey")
        if client is None:
            return
        try:
            for name in QUEUE_NAMES:
                await client.set(self.queues[name].namespace("sweep"), 1, ex=SWEEP_HOLD, nx=True)
        except Exception as exc:  # Valkey trouble: SAQ's workers will not start either
            log.debug("sweep lock not set: %r", exc)

    async def _beat(self) -> None:
        client = self.context.get("valkey")
        if client is None:
            return
        try:
            await asyncio.wait_for(heartbeats.publish(
                client, self.context["worker_id"], self.settings.worker_heartbeat_seconds,
                {"pid": os.getpid(), "started": self.context["worker_started"]}), 2)
        except Exception as exc:
            log.debug("first heartbeat not published: %r", exc)

    async def _withdraw(self) -> None:
        """A worker stopping on purpose leaves the list of live workers at once."""
        client = self.context.get("valkey")
        if client is None:
            return
        try:
            await asyncio.wait_for(heartbeats.withdraw(client, self.context["worker_id"]), 2)
        except Exception as exc:
            log.debug("heartbeat not withdrawn: %r", exc)

    async def drain(self, grace: float) -> None:
        """SIGTERM of `vigie worker`: take no new job and let the running ones finish, for up to
        `grace` s (leases are renewed meanwhile); `stop()` then cuts what is left short and
        hands its deliveries back (leases.release) instead of leaving them to lapse."""
        for worker in self.workers:
            worker.draining = True
        self.release_on_stop = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        # A slot already waiting on its queue may still take one job in the next dequeue_timeout.
        quiet_from = loop.time() + 1.0
        while loop.time() < deadline:
            if not any(w.running() for w in self.workers) and loop.time() >= quiet_from:
                return
            await asyncio.sleep(0.05)
        log.warning("shutdown grace of %.0f s over: %d job(s) cut short, their deliveries handed back",
                    grace, sum(w.running() for w in self.workers))

    async def _release(self) -> None:
        try:
            if released := await leases.release(self.queues, self.context["worker_id"]):
                log.warning("handed %d deliveries back to the queue", released)
        except Exception as exc:  # their lease lapses in seconds and a live worker takes them over
            log.warning("deliveries not handed back: %r", exc)

    async def stop(self) -> None:
        for worker in self.workers:
            if worker.event is not None:
                worker.event.set()  # no new jobs from here on
        # Idle slots sit in a blocking BLMOVE that does not always cancel cleanly: closing the
        # sockets makes them return at once (SAQ logs and drops the empty dequeue).
        try:
            await self.queues.client.connection_pool.disconnect(inuse_connections=True)
        except Exception as exc:
            log.debug("closing worker connections: %r", exc)
        results = await asyncio.gather(*(w.stop() for w in self.workers), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.warning("worker stop failed: %r", result)
        for worker in self.workers:  # shared sessions (HTTP, push) opened lazily by jobs
            for close in worker.context.get("closers", []):
                try:
                    await close()
                except Exception as exc:
                    log.debug("closing a job resource: %r", exc)
        if self.release_on_stop:
            await self._release()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self._withdraw()
        self.workers.clear()
        self.tasks.clear()
