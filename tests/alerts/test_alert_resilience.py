"""Nothing lost: Valkey down when the alert is posted, a worker killed in the middle of a batch."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter

from backend.delivery.tables import Delivery, Outbox
from backend.settings import ROOT
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled
from tests.conftest import Api


async def test_alert_posted_while_valkey_is_down_is_delivered_once_it_is_back(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_valkey, fx_mail):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 5)
    author = await api.as_user("auteur@test.vigie.fr")
    await author.get("/api/v1/health")  # CSRF cookie before the outage
    fx_valkey.stop()
    try:
        r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
        assert r.status_code == 201, r.text
        alert_id = r.json()["id"]
        outbox = await Outbox.select().where(Outbox.ref_id == alert_id).first()
        assert outbox["dispatched_at"] is None  # accepted, not yet handed to the queue
        await asyncio.sleep(1.0)  # the outage lasts a while
        assert await Delivery.count() == 0
    finally:
        fx_valkey.restart()  # same port, empty (no persistence)
    pushes = await fx_push.wait_for_async(5, timeout=30)
    mails = await fx_mail.wait_for_async(5, timeout=30)
    rows = await wait_settled(alert_id)
    await asyncio.sleep(1.0)  # anything doubled would show up by now
    assert Counter(p.subscription_id for p in fx_push.received) == Counter(
        {fx_push.subscription_id(s[0]): 1 for s in hood.subs.values()})
    assert len(fx_mail.messages) == 5 and len(pushes) == 5 and len(mails) == 5
    assert {(r["channel"], r["state"]) for r in rows} == {("push", "sent"), ("email", "sent"), ("sms", "skipped")}


def start_worker(settings, env_extra: dict[str, str]) -> subprocess.Popen:
    from tests.e2e.conftest import server_env

    env = server_env(settings, 0, **env_extra)
    return subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


async def test_worker_killed_in_the_middle_of_a_batch_loses_and_doubles_nothing(
        fx_app_factory, fx_delivery_overrides, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    """The API runs without workers; a `vigie worker` process is SIGKILLed while half of its push
    batch waits on a slow push service, then a new worker finishes the job."""
    from backend.delivery.channels.vapid import ensure_vapid_keys

    ensure_vapid_keys(fx_settings)
    fx_push.clear()
    app = await fx_app_factory(**{**fx_delivery_overrides, "run_workers_in_process": False})
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 20,
                               behaviour_for=lambda i: "slow" if i % 2 else None)
    env = {"VIGIE_SMS_PROVIDER": "http", "VIGIE_SMS_HTTP_URL": fx_delivery_overrides["sms_http_url"],
           "VIGIE_SMS_API_KEY": fx_delivery_overrides["sms_api_key"], "VIGIE_CLAIM_TIMEOUT_SECONDS": "1",
           "VIGIE_MAINTENANCE_INTERVAL_SECONDS": "0.3", "VIGIE_RETRY_BACKOFF_SCALE": "0.01"}
    author = Api(app)
    await author.login("auteur@test.vigie.fr")
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201
    alert_id = r.json()["id"]
    first = start_worker(fx_settings, env)
    try:
        await fx_push.wait_for_async(10, timeout=30)  # the fast half is through; the slow half in flight
        for _ in range(100):  # …and its outcomes are written
            if await Delivery.count().where((Delivery.channel == "push") & (Delivery.state == "sent")) >= 10:
                break
            await asyncio.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        assert await Delivery.count().where((Delivery.channel == "push") & (Delivery.state == "sending")) > 0
        assert fx_push.count == 10
        for subs in hood.subs.values():  # the push service is quick again
            for sub in subs:
                fx_push.set_behaviour(sub, None)
        second = start_worker(fx_settings, env)
        try:
            await fx_push.wait_for_async(20, timeout=30)
            rows = await wait_settled(alert_id)
            await asyncio.sleep(1.0)
        finally:
            second.terminate()
            second.wait(15)
    finally:
        if first.poll() is None:
            first.kill()
    assert Counter(p.subscription_id for p in fx_push.received) == Counter(
        {fx_push.subscription_id(s[0]): 1 for s in hood.subs.values()})
    assert {r["state"] for r in rows if r["channel"] == "push"} == {"sent"}
    await author.aclose()
