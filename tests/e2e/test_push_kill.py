"""Issue 12's kill test as the service worker sees it: a `vigie worker` SIGKILLed right after the
first pushes of a 500-member fan-out, another started at once; then every push the loopback push
service got (decrypted, in arrival order, repeats included) is handed to the real service worker
of one Chromium page. Each delivery is shown once, every copy gets its `received` receipt.

All 500 subscriptions belong to the loopback receiver, so one browser gets every push: what is
tested is that no delivery id is shown twice. The worker remembers the last 500 ids it showed
(service_worker/db.js): the run has exactly 500, and its fresh profile held none before.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from backend.delivery.tables import Delivery
from tests.delivery.worker_kill import IN_FLIGHT, MEMBERS, WorkerKill, fanout_alert
from tests.e2e.conftest import LiveServer, open_app, wait_until, worker_registration
from tests.e2e.test_push import NOTIFICATIONS

# What the real worker does with each push, recorded beside it (its code runs unchanged): the
# delivery ids it showed, and the receipts it sent with the server's answers.
RECORD = """() => {
    self.vigieShown = [];
    self.vigieReceipts = [];
    const registration = self.registration;
    const show = registration.showNotification.bind(registration);
    registration.showNotification = (title, options) => {
        self.vigieShown.push(options && options.data ? options.data.delivery_id : null);
        return show(title, options);
    };
    const send = self.fetch.bind(self);
    self.fetch = async (resource, init) => {
        const response = await send(resource, init);
        const url = String(resource.url || resource);
        if (url.includes("/receipt")) self.vigieReceipts.push({url, body: init && init.body, status: response.status});
        return response;
    };
}"""
RECORDED = "() => ({shown: self.vigieShown, receipts: self.vigieReceipts})"
SHOWN_KEPT = """() => new Promise((resolve, reject) => {
    const opening = indexedDB.open("vigie");
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
        const all = opening.result.transaction("shown").objectStore("shown").getAll();
        all.onsuccess = () => { resolve(all.result.map((row) => row.id)); opening.result.close(); };
        all.onerror = () => reject(all.error);
    };
})"""


@pytest.fixture(scope="module")
def fx_server(fx_base_settings, fx_engine, fx_tmp):
    """The live server without workers of its own: only the test's `vigie worker` processes send
    and take over (the server serves the app and takes the receipts)."""
    server = LiveServer(fx_base_settings, fx_tmp, VIGIE_RUN_WORKERS_IN_PROCESS="false").start()
    yield server
    server.stop()


async def test_a_killed_workers_fanout_seen_by_the_service_worker_shows_each_delivery_once_and_acknowledges_every_copy(
        fx_persistent, fx_app_factory, fx_settings, fx_password_hash, fx_push_service):
    fx_push_service.clear()
    hood, author, alert_id = await fanout_alert(fx_app_factory, fx_settings, fx_password_hash, fx_push_service,
                                                "push")
    await author.aclose()
    run = WorkerKill(fx_settings, "push")
    await run.run(alert_id, lambda: fx_push_service.count,
                  lambda: len({p.json["delivery_id"] for p in fx_push_service.received}))
    pushes = fx_push_service.received  # arrival order, repeats included
    copies = Counter(p.json["delivery_id"] for p in pushes)
    duplicates = len(pushes) - len(copies)
    assert len(pushes) == fx_push_service.count  # every push verified and decrypted
    assert len(copies) == MEMBERS
    assert 0 < duplicates <= IN_FLIGHT["push"] + 10  # with none, the worker's de-duplication goes untested
    assert run.finished <= 15

    # The phone of one member (voisin0); the receipts of the others' deliveries are refused (404).
    me = hood.members[0]
    mine = await Delivery.select(Delivery.id).where(
        (Delivery.ref_id == alert_id) & (Delivery.user == me) & (Delivery.channel == "push")).first()
    context, page, errors = await open_app(fx_persistent, hood.emails[me], "/#/")
    cdp, registration_id = await worker_registration(context, page)
    origin = page.url.split("/#")[0]
    [worker] = context.service_workers
    await worker.evaluate(RECORD)
    for push in pushes:
        await cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id,
                                                            "data": push.payload.decode()})
    await wait_until(lambda: worker.evaluate(f"() => self.vigieReceipts.length >= {len(pushes)}"), timeout=30,
                     what="a receipt for every copy")
    recorded = await worker.evaluate(RECORDED)
    print(f"\n{run.at_kill} pushes arrived at the kill, {duplicates} repeats, done {run.finished:.1f} s after the "
          f"new worker's first heartbeat; the service worker got {len(pushes)} pushes, showed "
          f"{len(recorded['shown'])}, sent {len(recorded['receipts'])} receipts")

    assert Counter(recorded["shown"]) == Counter(dict.fromkeys(copies, 1))  # each delivery shown exactly once
    receipts = [(int(r["url"].rsplit("/", 2)[-2]), json.loads(r["body"])["event"], r["status"])
                for r in recorded["receipts"]]
    assert Counter(d for d, event, _ in receipts if event == "received") == copies  # one per copy
    assert len(receipts) == len(pushes)
    assert {status for d, _, status in receipts if d == mine["id"]} == {204}
    assert {status for d, _, status in receipts if d != mine["id"]} == {404}
    assert await Delivery.select(Delivery.received_at).where(Delivery.id == mine["id"]).first() != {
        "received_at": None}
    # The ids it keeps are exactly this run's: none was pushed out by the 500 bound.
    assert sorted(await worker.evaluate(SHOWN_KEPT)) == sorted(str(d) for d in copies)
    # One alert: its notifications share a tag, so the last one shown replaced the others.
    assert [n["tag"] for n in await page.evaluate(NOTIFICATIONS)] == [f"alert-{alert_id}"]
    worker_errors = [e for e in context.worker_errors if not e.startswith("Failed to load resource")]
    assert not errors + worker_errors, errors + worker_errors
