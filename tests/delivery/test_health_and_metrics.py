"""Health sees workers by their heartbeat and old jobs; metrics parse and move with deliveries."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from backend.delivery.channels.vapid import ensure_vapid_keys
from backend.lib.queues import Queues
from backend.lib.valkey import make_client
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled
from tests.alerts.test_alert_resilience import start_worker
from tests.conftest import Api


async def wait_health(client: Api, predicate, timeout: float, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = (await client.get("/api/v1/health")).json()
        if predicate(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: health still {body}")
        await asyncio.sleep(0.2)


async def test_health_is_degraded_while_no_worker_runs_and_ok_with_one(fx_app_factory, fx_settings) -> None:
    app = await fx_app_factory(run_workers_in_process=False)
    client = Api(app)
    body = (await client.get("/api/v1/health")).json()
    assert body["status"] == "degraded" and "no_worker" in body["problems"] and body["workers_live"] == 0
    worker = start_worker(fx_settings, {"VIGIE_WORKER_HEARTBEAT_SECONDS": "0.5"})
    try:
        body = await wait_health(client, lambda b: b["status"] == "ok", 30, "a worker's heartbeat")
        [live] = body["workers"]
        assert live["pid"] == worker.pid and body["workers_live"] == 1
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        body = await wait_health(client, lambda b: b["status"] == "degraded", 5, "the dead worker's heartbeat expiring")
        assert body["problems"] == ["no_worker"] and body["workers"] == []
    finally:
        if worker.poll() is None:
            worker.kill()
        await client.aclose()


async def test_health_reports_the_age_of_the_oldest_waiting_job(fx_app_factory, fx_settings) -> None:
    app = await fx_app_factory(run_workers_in_process=False, health_max_job_age_seconds=0.5)
    client = Api(app)
    valkey = make_client(fx_settings.valkey_url)
    try:
        await Queues(valkey).enqueue("push", "send_push", job_key="old-one", delivery_ids=[1])
        await asyncio.sleep(0.8)
        body = (await client.get("/api/v1/health")).json()
        assert body["queues"]["push"] == 1 and body["oldest_job_seconds"]["push"] >= 0.8
        assert body["oldest_job_seconds"]["email"] == 0 and "old_jobs" in body["problems"]
    finally:
        await valkey.aclose()
        await client.aclose()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):  # prometheus-client's own parser
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_parse_and_move_as_deliveries_happen(
        fx_app_factory, fx_delivery_overrides, fx_settings, fx_password_hash, fx_push, fx_mail) -> None:
    ensure_vapid_keys(fx_settings)
    fx_push.clear()
    app = await fx_app_factory(**fx_delivery_overrides)
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 3)
    author = Api(app)
    await author.login("auteur@test.vigie.fr")
    before = samples((await author.get("/api/v1/metrics")).text)
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201
    await wait_settled(r.json()["id"])
    response = await author.get("/api/v1/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("vigie_deliveries_total", channel="push", outcome="sent") == 3
    assert moved("vigie_deliveries_total", channel="email", outcome="sent") == 3
    assert moved("vigie_delivery_seconds_count", channel="push") == 3
    assert moved("vigie_delivery_seconds_bucket", channel="push", le="+Inf") == 3
    assert sum(v for (name, labels), v in after.items() if name == "vigie_push_answers_total"
               and dict(labels)["status"] == "201") - sum(
        v for (name, labels), v in before.items() if name == "vigie_push_answers_total"
        and dict(labels)["status"] == "201") == 3
    assert after[("vigie_workers_live", ())] == 1
    assert ("vigie_queue_oldest_job_seconds", (("queue", "push"),)) in after
    await author.aclose()


async def test_metrics_are_for_loopback_or_the_token_only(fx_app_factory) -> None:
    app = await fx_app_factory(metrics_token="jeton-de-supervision")
    remote = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.5", 4000)),
                               base_url="https://testserver.local")
    local = Api(app)
    try:
        refused = await local.get("/api/v1/metrics")  # loopback is not enough once a token is set
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert (await remote.get("/api/v1/metrics", headers={"Authorization": "Bearer faux"})).status_code == 404
        ok = await remote.get("/api/v1/metrics", headers={"Authorization": "Bearer jeton-de-supervision"})
        assert ok.status_code == 200 and "vigie_deliveries" in ok.text
    finally:
        await remote.aclose()
        await local.aclose()
    open_app = await fx_app_factory()
    remote = httpx.AsyncClient(transport=httpx.ASGITransport(app=open_app, client=("203.0.113.5", 4000)),
                               base_url="https://testserver.local")
    try:
        assert (await remote.get("/api/v1/metrics")).status_code == 404
    finally:
        await remote.aclose()
