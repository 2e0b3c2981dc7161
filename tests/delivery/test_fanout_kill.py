"""A `vigie worker` SIGKILLed while its fan-out is between slices (10 people a slice here): a live
worker replays the fan-out (leases.rescue_jobs), which writes the missing slices and enqueues
only what is still queued; every member gets one row per channel and one e-mail (copies only
within the sends in flight at the kill, as tests/delivery/test_worker_kill.py allows)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter

from backend.delivery.tables import Delivery, Outbox
from backend.health import workers as heartbeats
from backend.lib.valkey import make_client
from tests.alerts.helpers import wait_settled
from tests.alerts.test_alert_resilience import start_worker
from tests.delivery.worker_kill import IN_FLIGHT, MEMBERS, WORKER_ENV, fanout_alert, wait_for

SLICE_ENV = {**WORKER_ENV["email"], "VIGIE_FANOUT_SLICE": "10"}


async def rows_of(alert_id: int) -> int:
    return await Delivery.count().where((Delivery.kind == "alert") & (Delivery.ref_id == alert_id))


async def first_beat(settings, pid: int) -> None:
    valkey = make_client(settings.valkey_url)
    try:
        deadline = time.monotonic() + 30
        while not any(w["pid"] == pid for w in await heartbeats.live(valkey)):
            assert time.monotonic() < deadline, "the worker never beat"
            await asyncio.sleep(0.05)
    finally:
        await valkey.aclose()


async def test_a_fan_out_killed_between_slices_is_replayed_and_reaches_everyone_once(
        fx_app_factory, fx_settings, fx_password_hash, fx_push, fx_mail) -> None:
    fx_mail.clear()
    # The worker beats before the alert exists: SAQ's sweep at a worker's start takes a job it is
    # dequeuing at that instant for a stray one, a race of its own that this test is not about.
    first = start_worker(fx_settings, SLICE_ENV)
    second = None
    try:
        await first_beat(fx_settings, first.pid)
        hood, author, alert_id = await fanout_alert(fx_app_factory, fx_settings, fx_password_hash, fx_push, "email")
        deadline = time.monotonic() + 60
        while (written := await rows_of(alert_id)) == 0:  # the first slice is in
            assert time.monotonic() < deadline, "the fan-out never started"
            await asyncio.sleep(0.002)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        at_kill = await rows_of(alert_id)
        assert 0 < written <= at_kill < 3 * MEMBERS, "the fan-out ended before the kill: nothing tested"
        second = start_worker(fx_settings, SLICE_ENV)
        await wait_for(lambda: len({m.rcpt_tos[0] for m in fx_mail.messages}) >= MEMBERS, 90, "every member e-mailed")
        await wait_settled(alert_id, timeout=30)
        await asyncio.sleep(1.0)  # anything doubled late shows up
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(15)
    rows = await Delivery.select(Delivery.user, Delivery.channel, Delivery.state).where(
        (Delivery.kind == "alert") & (Delivery.ref_id == alert_id))
    assert Counter((r["user"], r["channel"]) for r in rows) == Counter(
        (u, c) for u in hood.members for c in ("push", "email", "sms"))  # not the author; nobody twice
    assert {r["state"] for r in rows if r["channel"] == "email"} == {"sent"}
    by_address: dict[str, set[str]] = {}
    for m in fx_mail.messages:
        by_address.setdefault(m.rcpt_tos[0], set()).add(m.message["Message-ID"])
    assert set(by_address) == set(hood.emails.values()) and all(len(ids) == 1 for ids in by_address.values())
    copies = len(fx_mail.messages) - MEMBERS
    print(f"\nkilled with {at_kill} of {3 * MEMBERS} rows written; {copies} e-mail copies")
    assert copies <= IN_FLIGHT["email"] + 10
    outbox = await Outbox.select().where((Outbox.kind == "alert") & (Outbox.ref_id == alert_id)).first()
    assert outbox["completed_at"] is not None
    await author.aclose()
