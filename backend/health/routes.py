"""GET /api/v1/health: database, Valkey, queues and workers; GET /api/v1/ping: the process answers;
GET /api/v1/metrics: Prometheus metrics (loopback or bearer token)."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import time

from litestar import Request, Response, get

from backend.auth.guards import public
from backend.auth.tables import User
from backend.health import gauges
from backend.health import workers as heartbeats
from backend.lib import metrics
from backend.lib.deps import queues_of, settings_of, valkey_of
from backend.lib.errors import NotFound


def _in_process_workers(request: Request) -> list[dict]:
    """Workers run by this process (tests, single-process dev): live while it answers."""
    workers = getattr(request.app.state, "workers", None)
    if workers is None or not workers.workers:
        return []
    return [{"id": workers.context["worker_id"], "started": workers.context.get("worker_started", 0),
             "at": time.time(), "in_process": True}]


@get("/api/v1/health", guards=[public], tags=["health"])
async def health(request: Request) -> Response[dict]:
    """`degraded` when the database or Valkey fails, no worker is alive, or the oldest waiting
    job is older than `health_max_job_age_seconds`; 503 only when the database fails."""
    settings = settings_of(request)
    report: dict = {"status": "ok", "database": "ok", "valkey": "ok", "queues": {}, "oldest_job_seconds": {},
                    "workers": [], "workers_live": 0, "problems": []}
    try:
        await asyncio.wait_for(User.raw("SELECT 1"), 5)
    except Exception as exc:  # report, never raise: this is what monitoring reads
        report["database"] = f"error: {type(exc).__name__}"
        report["problems"].append("database")
    try:
        await asyncio.wait_for(valkey_of(request).ping(), 2)
        shared = await asyncio.wait_for(gauges.refresh_shared(queues_of(request), valkey_of(request),
                                                               with_budgets=False), 3)
        report["queues"] = shared["depths"]
        report["oldest_job_seconds"] = shared["ages"]
        seen = {w["id"] for w in shared["workers"]}
        report["workers"] = shared["workers"] + [w for w in _in_process_workers(request) if w["id"] not in seen]
    except Exception as exc:
        report["valkey"] = f"error: {type(exc).__name__}"
        report["problems"].append("valkey")
        report["workers"] = _in_process_workers(request)
    report["workers_live"] = len(report["workers"])
    if report["valkey"] == "ok" and not report["workers"]:
        report["problems"].append("no_worker")
    oldest = max(report["oldest_job_seconds"].values(), default=0.0)
    if oldest > settings.health_max_job_age_seconds:
        report["problems"].append("old_jobs")
    report["status"] = "degraded" if report["problems"] else "ok"
    return Response(report, status_code=503 if report["database"] != "ok" else 200)


@get("/api/v1/ping", guards=[public], tags=["health"])
async def ping() -> dict[str, bool]:
    """Touches nothing: a liveness probe, and the ceiling bench/api.py measures the feed against."""
    return {"pong": True}


def _may_read_metrics(request: Request) -> bool:
    token = settings_of(request).metrics_token
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@get("/api/v1/metrics", guards=[public], tags=["health"], include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response[bytes]:
    """Prometheus text format; loopback clients only, or `Authorization: Bearer <metrics_token>`."""
    if not _may_read_metrics(request):
        raise NotFound("Page introuvable.", "not_found")  # no hint that metrics exist here
    try:
        await asyncio.wait_for(gauges.refresh_shared(queues_of(request), valkey_of(request)), 3)
    except Exception:  # Valkey down: the process's own counters are still worth reading
        pass
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
