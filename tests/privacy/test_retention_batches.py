"""The first retention run over a year of rows works in short batches: others can read (and write)
between two, instead of one statement holding SQLite's lock for the whole purge."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from prometheus_client import REGISTRY

from backend.alerts.privacy import BLURRED
from backend.alerts.tables import Alert
from backend.audit.tables import AuditEntry
from backend.delivery.privacy import purge_deliveries
from backend.delivery.tables import Delivery
from backend.lib import clock, sql
from backend.privacy.jobs import apply_retention
from backend.domains import DOMAINS
from tests.builders import build_world

ROWS = 2500
DELIVERY_COLUMNS = ("kind", "ref_id", "user", "channel", "state", "created_at")


async def _watch(count, done: asyncio.Event) -> set[int]:
    """The row counts another connection sees while the purge runs (committed states only)."""
    seen = set()
    while not done.is_set():
        seen.add(await count())
        await asyncio.sleep(0)
    return seen


async def test_a_year_of_rows_is_purged_in_batches_committed_one_by_one(fx_settings, fx_password_hash, monkeypatch):
    monkeypatch.setattr(sql, "BATCH_ROWS", 500)
    w = await build_world(fx_password_hash)
    member, old = w.users["member"], clock.now() - timedelta(days=365)
    await sql.bulk_insert(Delivery, DELIVERY_COLUMNS,
                          [("alert", i, member, "push", "sent", old) for i in range(ROWS)])
    await sql.bulk_insert(AuditEntry, ("action", "target", "details", "created_at"),
                          [("alert.hide", f"alert:{i}", "{}", old - timedelta(days=400)) for i in range(ROWS)])
    await sql.bulk_insert(Alert, ("community", "author", "category", "title", "body", "created_at"),
                          [(w.community, member, "suspicious_person", "Rôdeur", f"Homme, veste rouge {i}", old)
                           for i in range(1200)])
    kept = await AuditEntry.count() - ROWS  # the world's own entries are recent

    done = asyncio.Event()
    watcher = asyncio.ensure_future(_watch(lambda: Delivery.count().where(Delivery.user == member), done))
    try:
        counts = await apply_retention(fx_settings, DOMAINS)
    finally:
        done.set()
    seen = await watcher

    assert counts["retention_delivery_days"] == ROWS and counts["retention_audit_days"] == ROWS
    assert counts["retention_suspect_description_days"] >= 1200
    assert await Delivery.count().where(Delivery.user == member) == 0 and await AuditEntry.count() == kept
    assert not await Alert.exists().where((Alert.category == "suspicious_person") & (Alert.body != BLURRED)
                                          & (Alert.created_at < clock.now() - timedelta(days=30)))
    # Between the full table and the empty one, the reader saw the batches land one by one.
    assert any(0 < n < ROWS for n in seen), sorted(seen)


def _paused() -> float:
    return REGISTRY.get_sample_value("vigie_batch_pause_seconds_total", {"table": "deliveries"}) or 0.0


async def test_a_long_purge_waits_between_its_batches_in_proportion_to_their_time(fx_settings, fx_password_hash,
                                                                                  monkeypatch):
    monkeypatch.setattr(sql, "BATCH_ROWS", 500)
    w = await build_world(fx_password_hash)
    member, old = w.users["member"], clock.now() - timedelta(days=365)
    rows = [("alert", i, member, "push", "sent", old) for i in range(ROWS)]
    cutoff = clock.now() - timedelta(days=90)

    # Without a ratio, no wait.
    await sql.bulk_insert(Delivery, DELIVERY_COLUMNS, rows)
    before = _paused()
    assert await purge_deliveries(fx_settings.with_(retention_pause_ratio=0.0), cutoff) == ROWS
    assert _paused() == before

    # With 3.0: after each of the 5 full batches, three times the batch's own time; the purge took
    # at least its waits, and its statements the rest (so the waits are at most 3/4 of it).
    await sql.bulk_insert(Delivery, DELIVERY_COLUMNS, rows)
    before, started = _paused(), time.monotonic()
    assert await purge_deliveries(fx_settings.with_(retention_pause_ratio=3.0), cutoff) == ROWS
    elapsed, waited = time.monotonic() - started, _paused() - before
    assert 0 < waited <= elapsed * 0.75 + 0.01, (waited, elapsed)
    assert await Delivery.count().where(Delivery.user == member) == 0
