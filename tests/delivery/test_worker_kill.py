"""A `vigie worker` SIGKILLed in the middle of a 500-member fan-out, another started at once: the
rest goes out within 15 s, raw duplicates stay within the sends in flight + 10 (all with the same
delivery id, or the same Message-ID), and the API shows `sending` during the run, `sent` after.

The worker runs 2 push jobs with 8 pushes in flight each, or 8 e-mail jobs with 4 SMTP
connections each: at most 16 pushes or 32 e-mails are in flight at the kill. "Within 15 s"
counts from the new worker's first heartbeat (a live worker available), not from its process
start. Before leases and the outcome journal, the same run resent every row the dead worker
held (up to 200 for push, 800 for e-mail) after 120 s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from typing import Any

import pytest

from backend.delivery.schemas import Preferences
from backend.delivery.tables import Delivery
from backend.delivery.vapid import ensure_vapid_keys
from backend.health import workers as heartbeats
from backend.lib.valkey import make_client
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled
from tests.alerts.test_alert_resilience import start_worker
from tests.conftest import Api

MEMBERS = 500
WORKER_ENV = {"push": {"VIGIE_WORKER_CONCURRENCY": "2", "VIGIE_PUSH_CONCURRENCY": "8"},
              "email": {"VIGIE_WORKER_CONCURRENCY": "8", "VIGIE_EMAIL_CONNECTIONS": "4"}}
IN_FLIGHT = {"push": 2 * 8, "email": 8 * 4}


async def counts(author: Api, alert_id: int, channel: str) -> dict[str, int]:
    r = await author.get(f"/api/v1/alerts/{alert_id}")
    assert r.status_code == 200, r.text
    return r.json()["delivery"][channel]


async def wait_for(predicate, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached after {timeout} s")
        await asyncio.sleep(0.01)
    return value


@pytest.mark.parametrize("channel", ["push", "email"])
async def test_a_worker_killed_mid_fanout_is_taken_over_within_seconds_with_bounded_invisible_repeats(
        channel, fx_app_factory, fx_settings, fx_password_hash, fx_push, fx_mail) -> None:
    ensure_vapid_keys(fx_settings)
    fx_push.clear()
    fx_mail.clear()
    app = await fx_app_factory(run_workers_in_process=False)
    prefs = Preferences(push=channel == "push", email=channel == "email")
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, MEMBERS, prefs_for=lambda i: prefs)
    author = Api(app)
    await author.login("auteur@test.vigie.fr")
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201
    alert_id = r.json()["id"]

    def arrived() -> int:
        return fx_push.count if channel == "push" else len(fx_mail.messages)

    first = start_worker(fx_settings, WORKER_ENV[channel])
    second = None
    try:
        await wait_for(lambda: arrived() >= 40, 60, "the first sends")
        os.killpg(first.pid, signal.SIGKILL)
        killed = time.monotonic()
        first.wait(10)
        at_kill = arrived()
        assert at_kill < MEMBERS, "the fan-out ended before the kill: nothing tested"
        during = await counts(author, alert_id, channel)
        assert during["sending"] > 0 and during["sent"] < MEMBERS  # what the dead worker held shows as sending

        second = start_worker(fx_settings, WORKER_ENV[channel])
        valkey = make_client(fx_settings.valkey_url)
        try:
            deadline = time.monotonic() + 30
            while not any(w["pid"] == second.pid for w in await heartbeats.live(valkey)):
                assert time.monotonic() < deadline, "the new worker never beat"
                await asyncio.sleep(0.05)
        finally:
            await valkey.aclose()
        restarted = time.monotonic()
        rows = await wait_settled(alert_id, timeout=30)
        await wait_for(lambda: len(unique_keys(channel, fx_push, fx_mail)) >= MEMBERS, 30, "every member reached")
        finished = time.monotonic() - restarted
        since_kill = time.monotonic() - killed
        await asyncio.sleep(1.0)  # anything doubled late would show up by now
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(15)

    if channel == "push":
        copies = Counter(p.json["delivery_id"] for p in fx_push.received)
        assert Counter(p.subscription_id for p in fx_push.received).keys() == {
            fx_push.subscription_id(s[0]) for s in hood.subs.values()}
    else:
        copies = Counter(m.message["Message-ID"] for m in fx_mail.messages)
        by_address: dict[str, set[str]] = {}
        for m in fx_mail.messages:
            by_address.setdefault(m.rcpt_tos[0], set()).add(m.message["Message-ID"])
        assert set(by_address) == set(hood.emails.values())
        assert all(len(ids) == 1 for ids in by_address.values())  # a resend is the same message
    duplicates = sum(n - 1 for n in copies.values())
    print(f"\n{channel}: {at_kill} arrived at the kill, {duplicates} duplicates, done {finished:.1f} s after "
          f"the new worker's first heartbeat ({since_kill:.1f} s after the kill)")
    assert len(copies) == MEMBERS
    assert duplicates <= IN_FLIGHT[channel] + 10
    assert finished <= 15
    assert {r["state"] for r in rows if r["channel"] == channel} == {"sent"}
    taken = [r for r in rows if "ne répond plus" in r["last_error"]]
    assert taken and all(r["attempts"] == 2 for r in taken)
    after = await counts(author, alert_id, channel)
    assert (after["sending"], after["queued"], after["sent"]) == (0, 0, MEMBERS)
    await author.aclose()


def unique_keys(channel: str, fx_push: Any, fx_mail: Any) -> set:
    if channel == "push":
        return {p.json["delivery_id"] for p in fx_push.received}
    return {m.message["Message-ID"] for m in fx_mail.messages}
