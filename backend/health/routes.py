"""GET /api/v1/health: database, Valkey and queue depths; GET /api/v1/ping: the process answers."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, get

from backend.auth.guards import public
from backend.auth.tables import User
from backend.lib.deps import queues_of, valkey_of


@get("/api/v1/health", guards=[public], tags=["health"])
async def health(request: Request) -> Response[dict]:
    report: dict = {"status": "ok", "database": "ok", "valkey": "ok", "queues": {}}
    try:
        await asyncio.wait_for(User.raw("SELECT 1"), 5)
    except Exception as exc:  # report, never raise: this is what monitoring reads
        report["database"] = f"error: {type(exc).__name__}"
    try:
        await asyncio.wait_for(valkey_of(request).ping(), 2)
        report["queues"] = await asyncio.wait_for(queues_of(request).depths(), 2)
    except Exception as exc:
        report["valkey"] = f"error: {type(exc).__name__}"
    degraded = report["database"] != "ok" or report["valkey"] != "ok"
    report["status"] = "degraded" if degraded else "ok"
    return Response(report, status_code=503 if report["database"] != "ok" else 200)


@get("/api/v1/ping", guards=[public], tags=["health"])
async def ping() -> dict[str, bool]:
    """Touches nothing: a liveness probe, and the ceiling bench/api.py measures the feed against."""
    return {"pong": True}
