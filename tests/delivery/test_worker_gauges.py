"""A worker with a metrics endpoint sets the queue and worker gauges on each heartbeat (its own
Prometheus registry is what an operator scrapes: it must not stay at the values of its start)."""

from __future__ import annotations

from backend.delivery import upkeep
from backend.lib import metrics


async def test_a_heartbeat_with_a_metrics_port_refreshes_the_shared_gauges(fx_app, fx_settings):
    metrics.WORKERS_LIVE.set(-1)
    ctx = {"settings": fx_settings.with_(worker_metrics_port=9), "queues": fx_app.state.queues,
           "valkey": fx_app.state.valkey, "worker_id": "gauge-test-worker", "worker_started": 0}
    await upkeep.keep_leases(ctx)
    assert metrics.WORKERS_LIVE._value.get() >= 1  # this worker's own heartbeat, just published
