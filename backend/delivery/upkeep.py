"""The periodic upkeep of every worker process: outbox hand-over, lost jobs, leases, heartbeat."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from backend.delivery import leases, service
from backend.health import workers as heartbeats
from backend.lib import metrics
from backend.settings import Settings

log = logging.getLogger(__name__)


async def maintenance(ctx: dict[str, Any]) -> None:
    """Hand over outbox rows the queue never got, and give a job again to queued rows whose job was lost."""
    await service.redispatch_outbox(ctx["queues"])
    await service.requeue_stale(ctx["queues"], timedelta(seconds=ctx["settings"].claim_timeout_seconds))


async def keep_leases(ctx: dict[str, Any]) -> None:
    """Every `worker_heartbeat_seconds`: renew this worker's leases, publish its heartbeat (and
    the queue gauges), and take over the rows of workers whose leases lapsed."""
    settings: Settings = ctx["settings"]
    worker_id = ctx.get("worker_id") or leases.PROCESS_WORKER_ID
    held = await leases.renew(worker_id, settings.delivery_lease_seconds)
    try:
        await heartbeats.publish(ctx["valkey"], worker_id, settings.worker_heartbeat_seconds,
                                 {"pid": os.getpid(), "started": ctx.get("worker_started", 0), "sending": held})
        await metrics.refresh_shared(ctx["queues"], ctx["valkey"], with_budgets=False)
    except Exception as exc:  # Valkey down: leases still renewed, the heartbeat comes back with it
        log.debug("heartbeat not published: %r", exc)
    taken = await leases.take_over(ctx["queues"], timedelta(seconds=settings.claim_timeout_seconds))
    if taken:
        metrics.TAKEOVERS.inc(taken)
    try:
        live = {w["id"] for w in await heartbeats.live(ctx["valkey"])}
        if worker_id in live:  # the heartbeats could be read: the others' absence means something
            await leases.rescue_jobs(ctx["queues"], live, settings.delivery_lease_seconds)
    except Exception as exc:
        log.debug("lost jobs not looked for: %r", exc)
