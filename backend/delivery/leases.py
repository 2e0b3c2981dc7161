"""Claims with leases: which worker holds a delivery being sent, until when, and taking over.

A send job *claims* its rows (queued → sending) with its worker's identity and a short lease
(`delivery_lease_seconds`, a few seconds). Every worker process renews the leases of the rows
it holds a few times per lease (`renew`, from the worker's `lease_keeper` loop). When a worker
dies (SIGKILL, OOM, power) its leases lapse within seconds and `take_over` — run by every live
worker on the same loop — puts those rows back in the queue with fresh jobs, so the rest of a
fan-out goes out seconds after a live worker is there, not after a long claim timeout.

What a dead worker had sent but not yet recorded is sent again: see docs/architecture.md
("What can still be doubled") for the bound and what makes it invisible to people.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any, Sequence

from backend.delivery.outcomes import SentJournal
from backend.delivery.states import DeliveryState
from backend.delivery.tables import Delivery
from backend.lib import clock
from backend.lib.queues import Queues
from backend.lib.sql import chunks, placeholders, raw, raw_alone

log = logging.getLogger(__name__)

BATCH = 100  # deliveries per send job (as the fan-out's)


def new_worker_id() -> str:
    """host:pid:random — unique per worker process (and per in-process WorkerSet)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(3)}"


PROCESS_WORKER_ID = new_worker_id()
"""The claimant of jobs run outside a WorkerSet (tools, tests); a WorkerSet has its own."""


async def claim(delivery_ids: Sequence[int], worker_id: str, lease_seconds: float) -> list[dict[str, Any]]:
    """Atomically take, for `worker_id`, the rows among `delivery_ids` that are queued (another
    worker gets none of them); each claim counts one attempt. Rows whose lease lapsed are not
    taken here but by `take_over`, which first reads their worker's sent journal."""
    now = clock.now()
    until = now + timedelta(seconds=lease_seconds)
    out: list[dict[str, Any]] = []
    for part in chunks(list(delivery_ids), 500):
        out.extend(await raw_alone(
            Delivery, f"UPDATE deliveries SET state = '{DeliveryState.SENDING}', attempts = attempts + 1, updated_at = {{}}, "
            "worker = {}, lease_until = {} "
            # `(…) IS TRUE` keeps the state test out of the index conditions: PostgreSQL's statistics,
            # taken when hardly a row was queued, chose the state index, which reads every queued row
            # of a big fan-out for each claim of 100 (bench/scale.py, 100,000 rows queued); by id it reads 100.
            f"WHERE (state = '{DeliveryState.QUEUED}') IS TRUE AND id IN ({placeholders(len(part))}) "
            'RETURNING id, kind, ref_id, "user" AS user_id, channel, attempts, created_at',
            now, worker_id, until, *part))
    return out


async def renew(worker_id: str, lease_seconds: float) -> int:
    """Extend the lease of every row this worker is sending: one UPDATE, whatever the batch."""
    until = clock.now() + timedelta(seconds=lease_seconds)
    rows = await raw_alone(Delivery, "UPDATE deliveries SET lease_until = {} "
                                     f"WHERE state = '{DeliveryState.SENDING}' AND worker = {{}} RETURNING id",
                           until, worker_id)
    return len(rows)


async def take_over(queues: Queues, legacy_cutoff: timedelta, live: set[str] | None = None,
                    mine: str | None = None, only: Sequence[int] | None = None, why: str | None = None) -> int:
    """Rows whose lease lapsed (their worker is gone): those in the lost worker's sent journal
    are marked sent (they were accepted, only their row was not written yet); the others go
    back to queued and get new jobs. Rows claimed before leases existed (no `lease_until`)
    are taken over after `legacy_cutoff`. With `live` (the workers whose heartbeat is current),
    the rows of a live worker are left to it: its lease renewal was late (a busy machine, a
    database lock), it is not gone. `only` limits it to those rows, `why` (an SQL expression)
    replaces the `last_error` it writes. Returns how many rows were put back to be sent."""
    now = clock.now()
    if mine is None:
        lapsed_sql = f"state = '{DeliveryState.SENDING}' AND (lease_until < {{}} OR (lease_until IS NULL AND updated_at < {{}}))"
        lapsed_args: tuple[Any, ...] = (now, now - legacy_cutoff)
        default_why = "'reprise : le worker ' || worker || ' ne répond plus'"
    else:  # release(): the rows `mine` holds, whatever their lease
        lapsed_sql = f"state = '{DeliveryState.SENDING}' AND worker = {{}}"
        lapsed_args = (mine,)
        default_why = "'rendu : le worker ' || worker || ' s''est arrêté'"
    lapsed = await raw(Delivery, f"SELECT id, worker FROM deliveries WHERE {lapsed_sql}", *lapsed_args)
    if live:
        lapsed = [r for r in lapsed if r["worker"] not in live]
    if only is not None:
        wanted = set(only)
        lapsed = [r for r in lapsed if r["id"] in wanted]
    why = why or default_why
    if not lapsed:
        return 0
    workers: dict[str, set[int]] = defaultdict(set)
    for r in lapsed:
        workers[r["worker"]].add(r["id"])
    accepted: list[int] = []
    for worker, ids in workers.items():
        try:
            accepted.extend(sorted(ids & await SentJournal.read(queues.client, worker)))
        except Exception as exc:  # Valkey down: they are sent again (the receivers de-duplicate)
            log.warning("sent journal of %s unreadable: %r", worker, exc)
    for part in chunks(accepted, 500):
        await raw_alone(Delivery, f"UPDATE deliveries SET state = '{DeliveryState.SENT}', reason = '', sent_at = COALESCE(sent_at, {{}}), "
                            "updated_at = {}, lease_until = NULL, "
                            "last_error = 'envoyé ; noté par ' || worker || ' juste avant sa perte' "
                            f"WHERE {lapsed_sql} AND id IN ({placeholders(len(part))})",
                  now, now, *lapsed_args, *part)
    rows: list[dict[str, Any]] = []
    lost = sorted({r["id"] for r in lapsed} - set(accepted))
    for part in chunks(lost, 500):
        rows.extend(await raw_alone(
            Delivery, f"UPDATE deliveries SET state = '{DeliveryState.QUEUED}', lease_until = NULL, "
            f"last_error = {why} "
            f"WHERE {lapsed_sql} AND id IN ({placeholders(len(part))}) RETURNING id, channel, worker",
            *lapsed_args, *part))
    if accepted:
        log.warning("%d deliveries of lost worker(s) were already accepted: marked sent", len(accepted))
    if not rows:
        return 0
    by_channel: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_channel[r["channel"]].append(r["id"])
    log.warning("took over %d deliveries from lost worker(s) %s", len(rows), sorted({r["worker"] for r in rows}))
    # A unique key each time: the dead worker's job is still "active" in SAQ until its sweep.
    again = f":takeover-{time.time_ns()}"
    for channel, ids in by_channel.items():
        for part in chunks(sorted(ids), BATCH):
            await queues.enqueue(channel, f"send_{channel}", job_key=f"send:{channel}:{part[0]}-{part[-1]}{again}",
                                 delivery_ids=list(part), timeout=120, retries=3)
    return len(rows)


async def release(queues: Queues, worker_id: str) -> int:
    """A worker stopping on purpose hands back the rows it still holds (its jobs were cut short at
    the end of its shutdown grace): those in its sent journal are marked sent, the others go back
    to queued with new jobs at once, instead of waiting for their lease to lapse. Returns how many
    rows were put back to be sent."""
    return await take_over(queues, timedelta(0), mine=worker_id)


async def hand_back(queues: Queues, worker_id: str, delivery_ids: Sequence[int], known: set[int]) -> int:
    """A send job of `worker_id` failed (an error, or cut short by its timeout) after claiming
    `delivery_ids`: those still `sending` under it and whose outcome the worker does not know
    (`known`: waiting to be written) go back to queued with new jobs, the accepted ones of its
    sent journal marked sent — as `take_over` does for a lost worker. Without this they stayed
    `sending` for good: the live worker renews the lease of every row it holds."""
    rest = [i for i in delivery_ids if i not in known]
    if not rest:
        return 0
    return await take_over(queues, timedelta(0), mine=worker_id, only=rest,
                           why="'rendu : un envoi du worker ' || worker || ' a échoué'")


RESCUED_QUEUES = ("fanout", "push", "email", "sms")
"""Queues whose jobs are rescued: fan-outs (idempotent: a replay adds no row) and sends."""


def saq_worker_id(worker_id: str, queue: str) -> str:
    """The id of the SAQ Worker of `queue` in worker process `worker_id` (SAQ stamps it on the jobs it takes)."""
    return f"{worker_id}/{queue}"


async def rescue_jobs(queues: Queues, live_ids: set[str], grace_seconds: float) -> int:
    """Send jobs taken by a worker that is gone (no heartbeat) before it claimed their rows, and
    fan-outs it was running: SAQ keeps them "active" until its sweep finds them stuck (the job
    timeout, minutes), so their rows would wait as `queued` (or not exist yet). Each gets a copy under a new key, once (a Valkey marker);
    a copy of a job whose rows were claimed after all finds nothing to claim.
    `live_ids` must include the caller's own id (the heartbeats were read)."""
    client = queues.client
    now = time.time()
    rescued = 0
    for channel in RESCUED_QUEUES:
        queue = queues[channel]
        for job_id in await client.lrange(queue.namespace("active"), 0, -1):
            raw_job = await client.get(job_id)
            if not raw_job:
                continue
            job = json.loads(raw_job)
            owner = (job.get("worker_id") or "").rpartition("/")[0]
            since = max(float(job.get("started") or 0), float(job.get("queued") or 0)) / 1000
            function = job.get("function", "")
            if owner in live_ids or not (function == "fanout" or function.startswith("send_")) \
                    or now - since < grace_seconds:
                continue
            if not await client.set(f"vigie:rescued:{job_id if isinstance(job_id, str) else job_id.decode()}",
                                    "1", nx=True, ex=3600):
                continue  # another live worker did it
            await queues.enqueue(channel, function, job_key=f"{job['key']}:rescued-{time.time_ns()}",
                                 timeout=int(job.get("timeout") or 120), retries=int(job.get("retries") or 3),
                                 **(job.get("kwargs") or {}))
            rescued += 1
    if rescued:
        log.warning("re-enqueued %d send job(s) taken by lost worker(s)", rescued)
    return rescued


async def in_flight() -> dict[str, int]:
    """Deliveries being sent now, by channel (health, metrics)."""
    rows = await Delivery.raw(
        f"SELECT channel, COUNT(*) AS n FROM deliveries WHERE state = '{DeliveryState.SENDING}' GROUP BY channel")
    return {r["channel"]: int(r["n"]) for r in rows}
