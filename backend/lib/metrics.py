"""Prometheus metrics (prometheus-client), on the API (`GET /api/v1/metrics`) and on each worker
(`worker_metrics_port`, loopback). Names and meanings: docs/operations.md.

Counters move where things happen (a worker's outcome writes, push answers, retries); gauges of
shared state (queues, workers, SMS budgets) are refreshed by `backend.health.gauges.refresh_shared`
when scraped on the API and on every heartbeat of a worker (lib knows no domain).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest


DELIVERIES = Counter("vigie_deliveries", "Delivery outcomes written, by channel and outcome "
                     "(sent, failed, skipped, retry).", ["channel", "outcome"])
DELIVERY_SECONDS = Histogram(
    "vigie_delivery_seconds", "Seconds from the fan-out of a notice (its alert) to the far side accepting one "
    "delivery, by channel: per alert, its smallest value is the first delivery and its largest the last.",
    ["channel"], buckets=(0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120, 300, 900, 3600))
PUSH_ANSWERS = Counter("vigie_push_answers", "Answers of push services, by origin and HTTP status "
                       "(`none` when no answer: timeout, connection error).", ["origin", "status"])
RETRIES = Counter("vigie_delivery_retries", "Deliveries put back for a later attempt, by channel.", ["channel"])
TAKEOVERS = Counter("vigie_delivery_takeovers", "Deliveries taken over from a worker whose lease lapsed.")
SENDS_IN_FLIGHT = Gauge("vigie_sends_in_flight", "Requests to a push service or SMTP server under way in this "
                        "process (for pushes: until their outcome reaches the journal), by channel.", ["channel"])
STATEMENT_RETRIES = Counter("vigie_db_statement_retries", "Statements PostgreSQL aborted to break a deadlock or a "
                            "serialization conflict, run again (a few under heavy sends are expected).", ["reason"])
SMTP_SESSIONS_OPENED = Counter("vigie_smtp_sessions_opened", "SMTP sessions this process opened to the relay (kept "
                               "open across e-mail jobs: a steady rise under load means the relay drops them).")
LIVE_PUBLISHES = Counter("vigie_live_publishes", "Live events published, by outcome: sent (within the caller's "
                         "wait), late (finished in the background), retried (after a failed attempt), dropped "
                         "(given up, logged as an error).", ["outcome"])
BATCH_PAUSES = Counter("vigie_batch_pause_seconds", "Seconds a long batched purge (retention) waited between two "
                       "of its batches to leave the database to the sends, by table.", ["table"])
QUEUE_DEPTH = Gauge("vigie_queue_depth", "Jobs waiting in each queue.", ["queue"])
QUEUE_OLDEST = Gauge("vigie_queue_oldest_job_seconds", "Age of the oldest job waiting in each queue.", ["queue"])
WORKERS_LIVE = Gauge("vigie_workers_live", "Worker processes whose heartbeat is current.")
SMS_USED = Gauge("vigie_sms_segments_used", "SMS segments spent or reserved this month, by commune.", ["commune"])
SMS_BUDGET = Gauge("vigie_sms_segments_budget", "Monthly SMS budget in segments, by commune (0: unlimited).",
                   ["commune"])


def outcomes_written(channel: str) -> Callable[[dict[tuple[str, str], list[int]]], None]:
    """The `on_write` of a channel's outcome journal: count what was written."""
    def count(batch: dict[tuple[str, str], list[int]]) -> None:
        for (state, _reason), ids in batch.items():
            DELIVERIES.labels(channel, "retry" if state == "queued" else state).inc(len(ids))
    return count


def observe_sent(channel: str, created: Any) -> None:
    """Latency of one delivery accepted now, from its row's creation (the fan-out)."""
    stamp = _epoch(created)
    if stamp is not None:
        DELIVERY_SECONDS.labels(channel).observe(max(0.0, time.time() - stamp))


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()
    return None


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
