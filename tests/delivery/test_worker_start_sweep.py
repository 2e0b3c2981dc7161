"""A starting worker does not sweep a job another worker has just taken.

SAQ sweeps every job of a queue's active list whose status is not `active`, at once when a worker
starts, then once a minute. A job a worker has just moved there (BLMOVE) is still `queued` until
that worker marks it active, a moment later (tobymao/saq#124, #277): swept, it is aborted and taken
off the active list, and it is lost to both lists if the sweeping worker dies before retrying it
(backend/worker.py, `WorkerSet._hold_sweeps`). The moment is reproduced here by dequeuing a job by
hand and never marking it."""

from __future__ import annotations

import asyncio

from saq.job import Status

from backend.lib.queues import Queues
from backend.lib.valkey import make_client
from backend.worker import SWEEP_HOLD, WorkerSet


async def test_a_starting_worker_leaves_a_just_dequeued_job_to_the_worker_that_took_it(fx_settings) -> None:
    client = make_client(fx_settings.valkey_url)
    queues = Queues(client)
    workers = WorkerSet(fx_settings, queues, {"settings": fx_settings, "queues": queues, "valkey": client})
    try:
        queue = queues["fanout"]
        await queues.enqueue("fanout", "fanout", job_key="outbox:1", outbox_id=1)
        taken = await queue.dequeue()  # another worker's BLMOVE: in the active list, still `queued`
        assert taken is not None and taken.status == Status.QUEUED
        await workers.start()
        await asyncio.sleep(1.0)  # SAQ's startup sweep runs at once when it is not held
        job = await queue.job(taken.key)
        assert job is not None and job.status == Status.QUEUED  # not aborted by a sweep
        assert taken.id.encode() in await client.lrange(queue.namespace("active"), 0, -1)
        assert 0 < await client.ttl(queue.namespace("sweep")) <= SWEEP_HOLD  # the sweep comes later, once
    finally:
        await workers.stop()
        await queues.disconnect()
        await client.aclose()
