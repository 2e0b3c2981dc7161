"""SAQ queues on the process's valkey client: one queue per channel (Zulip's habit)."""

from __future__ import annotations

from typing import Any

import valkey.asyncio as avalkey
from saq import Job
from saq.queue.redis import RedisQueue

QUEUE_NAMES = ("fanout", "push", "email", "sms", "maintenance")


class Queues:
    """The app's named queues. Job kwargs must not be named like Job fields (key, timeout…)."""

    def __init__(self, client: avalkey.Valkey) -> None:
        self.client = client
        self.by_name: dict[str, RedisQueue] = {
            name: RedisQueue(client, name=f"vigie:{name}") for name in QUEUE_NAMES  # type: ignore[arg-type]
        }

    def __getitem__(self, name: str) -> RedisQueue:
        return self.by_name[name]

    async def connect(self) -> None:
        for q in self.by_name.values():
            await q.connect()

    async def disconnect(self) -> None:
        for q in self.by_name.values():
            await q.disconnect()

    async def enqueue(self, queue: str, function: str, *, job_key: str | None = None,
                      retries: int = 5, timeout: int = 60, retry_delay: float = 1.0,
                      retry_backoff: bool | float = 60.0, scheduled: int = 0, **kwargs: Any) -> Job | None:
        """Enqueue `function` on `queue`; `job_key` makes it unique while queued (dedup);
        `scheduled` is a Unix time before which it does not run."""
        job = Job(function=function, kwargs=kwargs, retries=retries, timeout=timeout,
                  retry_delay=retry_delay, retry_backoff=retry_backoff, scheduled=scheduled)
        if job_key:
            job.key = job_key
        return await self.by_name[queue].enqueue(job)

    async def depths(self) -> dict[str, int]:
        return {name: await q.count("queued") for name, q in self.by_name.items()}
