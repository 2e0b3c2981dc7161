"""The periodic upkeep of every worker process: outbox hand-over, lost jobs, leases, heartbeat."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from backend.delivery import fanout, leases, outbox
from backend.health import gauges
from backend.health import workers as heartbeats
from backend.lib import metrics
from backend.settings import Settings

log = logging.getLogger(__name__)


async def maintenance(ctx: dict[str, Any]) -> None:
    """Hand over outbox rows the queue never got, and give a job again to queued rows whose job was lost."""
    await outbox.redispatch_outbox(ctx["queues"])
    await fanout.requeue_stale(ctx["queues"], timedelta(seconds=ctx["settings"].claim_timeout_seconds))


RESCUE_EVERY = 15
"""Ticks between two looks at the queues' active jobs when no worker was seen to vanish."""


async def keep_leases(ctx: dict[str, Any]) -> None:
    """Every `worker_heartbeat_seconds`: renew this worker's leases, publish its heartbeat (and,
    with a metrics endpoint, the queue gauges), take over the rows of workers whose leases
    lapsed, and — after a start, when a worker vanished, or every RESCUE_EVERY ticks — enqueue
    again the send jobs lost workers had taken but not claimed."""
    settings: Settings = ctx["settings"]
    worker_id = ctx.get("worker_id") or leases.PROCESS_WORKER_ID
    held = await leases.renew(worker_id, settings.delivery_lease_seconds)
    try:
        await heartbeats.publish(ctx["valkey"], worker_id, settings.worker_heartbeat_seconds,
                                 {"pid": os.getpid(), "started": ctx.get("worker_started", 0), "sending": held})
        if settings.worker_metrics_port:
            await gauges.refresh_shared(ctx["queues"], ctx["valkey"], with_budgets=False)
    except Exception as exc:  # Valkey down: leases still renewed, the heartbeat comes back with it
        log.debug("heartbeat not published: %r", exc)
    try:
        live: set[str] | None = {w["id"] for w in await heartbeats.live(ctx["valkey"])}
    except Exception as exc:
        log.debug("heartbeats not read: %r", exc)
        live = None
    if live is not None and worker_id not in live:  # not read right: others' absence means nothing
        live = None
    taken = await leases.take_over(ctx["queues"], timedelta(seconds=settings.claim_timeout_seconds), live)
    if taken:
        metrics.TAKEOVERS.inc(taken)
    if live is None:
        return
    state = ctx.setdefault("upkeep", {"tick": 0, "seen": set(), "rescue_until": 0})
    state["tick"] += 1
    grace_ticks = int(settings.delivery_lease_seconds / max(settings.worker_heartbeat_seconds, 0.01)) + 2
    if state["tick"] == 1 or state["seen"] - live:  # just started, or a worker vanished
        state["rescue_until"] = state["tick"] + grace_ticks  # its jobs become old enough meanwhile
    state["seen"] = live
    if state["tick"] <= state["rescue_until"] or state["tick"] % RESCUE_EVERY == 0:
        try:
            await leases.rescue_jobs(ctx["queues"], live, settings.delivery_lease_seconds)
        except Exception as exc:
            log.debug("lost jobs not looked for: %r", exc)
