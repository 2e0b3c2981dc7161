"""Worker heartbeats and queue ages in Valkey: what `/api/v1/health` and the metrics read.

Each worker process publishes `vigie:worker:<id>` every `worker_heartbeat_seconds`, expiring
after three beats: a killed worker disappears from the list within seconds, a stopped one at
once (`withdraw`).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from backend.lib.queues import QUEUE_NAMES, Queues

PREFIX = "vigie:worker:"


async def publish(client: Any, worker_id: str, every: float, info: dict[str, Any]) -> None:
    body = {"id": worker_id, "at": time.time(), **info}
    await client.set(PREFIX + worker_id, json.dumps(body), ex=max(1, math.ceil(3 * every)))


async def withdraw(client: Any, worker_id: str) -> None:
    await client.delete(PREFIX + worker_id)


async def live(client: Any) -> list[dict[str, Any]]:
    """The workers whose heartbeat has not expired, oldest start first."""
    keys = [key async for key in client.scan_iter(match=PREFIX + "*", count=100)]
    if not keys:
        return []
    out = []
    for raw in await client.mget(keys):
        if raw:
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue
    return sorted(out, key=lambda w: w.get("started", 0))


async def oldest_waiting(queues: Queues) -> dict[str, float]:
    """Per queue, the age in seconds of the oldest job waiting to be taken (0 when none)."""
    now = time.time()
    ages: dict[str, float] = {}
    for name in QUEUE_NAMES:
        queue = queues[name]
        job_id = await queues.client.lindex(queue.namespace("queued"), 0)  # the next to be dequeued
        age = 0.0
        if job_id is not None:
            raw = await queues.client.get(job_id)
            if raw:
                job = json.loads(raw)
                since = max(_seconds(job.get("queued", 0)), _seconds(job.get("scheduled", 0)))
                age = max(0.0, now - since) if since else 0.0
        ages[name] = round(age, 3)
    return ages


def _seconds(value: Any) -> float:
    """SAQ stamps are milliseconds (`queued`) or seconds (`scheduled`)."""
    value = float(value or 0)
    return value / 1000 if value > 1e11 else value
