"""A worker process runs fewer push jobs at once than jobs of its other queues (`push_jobs_per_worker`):
a push job is CPU-bound, so 20 at once sent no faster, and one worker took a whole slice's jobs
while the other waited (bench/fanout.py). Counted from Valkey's side: the SAQ slots a started
worker parks on its queues, one blocking BLMOVE each."""

from __future__ import annotations

import asyncio

from backend.lib.queues import QUEUE_NAMES, Queues
from backend.lib.valkey import make_client
from backend.worker import WorkerSet, polling_slots, queue_concurrency


async def blocked(client) -> int:
    return int((await client.info("clients"))["blocked_clients"])


async def test_a_worker_parks_push_jobs_per_worker_slots_on_the_push_queue_and_worker_concurrency_on_the_others(
        fx_settings) -> None:
    settings = fx_settings.with_(push_jobs_per_worker=2, worker_concurrency=5)
    assert {name: queue_concurrency(settings, name) for name in QUEUE_NAMES} == {
        name: 2 if name == "push" else 5 for name in QUEUE_NAMES}
    probe = make_client(settings.valkey_url)
    client = make_client(settings.valkey_url)
    queues = Queues(client)
    workers = WorkerSet(settings, queues, {"settings": settings, "queues": queues, "valkey": client})
    try:
        before = await blocked(probe)
        await workers.start()
        concurrency = {name: w.concurrency for name, w in zip(QUEUE_NAMES, workers.workers, strict=True)}
        assert concurrency["push"] == 2 and {concurrency[n] for n in QUEUE_NAMES if n != "push"} == {5}
        expected = polling_slots(settings)
        assert expected == 2 + 5 * (len(QUEUE_NAMES) - 1)
        for _ in range(100):  # the slots' BLMOVEs reach Valkey within a few loop turns
            if await blocked(probe) - before >= expected:
                break
            await asyncio.sleep(0.02)
        assert await blocked(probe) - before == expected
    finally:
        await workers.stop()
        await queues.disconnect()
        await client.aclose()
        await probe.aclose()
