"""The gauges of shared state (queues, workers, SMS budgets), set when the API is scraped and on every
heartbeat of a worker; the metrics themselves are declared in `backend.lib.metrics`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from backend.communities.tables import Commune
from backend.health import workers
from backend.lib import metrics
from backend.lib.french import PARIS

log = logging.getLogger(__name__)


async def refresh_shared(queues: Any, client: Any, with_budgets: bool = True) -> dict[str, Any]:
    """Set the gauges of shared state; returns what it read (health uses the same figures)."""
    depths = await queues.depths()
    ages = await workers.oldest_waiting(queues)
    live = await workers.live(client)
    for name, depth in depths.items():
        metrics.QUEUE_DEPTH.labels(name).set(depth)
        metrics.QUEUE_OLDEST.labels(name).set(ages.get(name, 0.0))
    metrics.WORKERS_LIVE.set(len(live))
    if with_budgets:
        await _refresh_budgets()
    return {"depths": depths, "ages": ages, "workers": live}


async def _refresh_budgets() -> None:
    month = datetime.now(PARIS).strftime("%Y-%m")  # as the mairie's budgets count months
    try:
        rows = await Commune.raw(
            "SELECT c.id AS commune, c.sms_budget_monthly AS budget, COALESCE(SUM(s.segments), 0) AS used "
            "FROM communes c LEFT JOIN mairie_sms_spend s ON s.commune = c.id AND s.month = {} "
            "WHERE c.sms_budget_monthly > 0 OR s.id IS NOT NULL GROUP BY c.id, c.sms_budget_monthly", month)
    except Exception as exc:  # the mairie tables are optional: metrics never fail a scrape
        log.debug("SMS budgets not read: %r", exc)
        return
    for r in rows:
        metrics.SMS_USED.labels(str(r["commune"])).set(int(r["used"] or 0))
        metrics.SMS_BUDGET.labels(str(r["commune"])).set(int(r["budget"] or 0))
