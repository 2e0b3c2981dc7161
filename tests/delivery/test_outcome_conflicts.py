"""An outcome, once known, is written: a statement PostgreSQL aborts to break a deadlock runs
again, and a write that fails keeps its outcomes for the next one (a 50,000-resident broadcast
left a few hundred rows `sending` for good: bench/scale.py, 3 Dec 2026)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.delivery.outcomes import Outcomes, record
from backend.delivery.tables import Delivery
from backend.lib import metrics
from backend.lib.sql import raw
from tests.delivery.test_leases import rows


def retries(reason: str) -> float:
    return metrics.STATEMENT_RETRIES.labels(reason)._value.get()


def unwritten(outcomes: Outcomes) -> int:
    """Outcomes waiting, or in a write under way (the ticker's, every 0.05 s)."""
    return outcomes.count + outcomes.writing


async def states(ids: list[int]) -> list[str]:
    return [r["state"] for r in await Delivery.select(Delivery.state).where(Delivery.id.is_in(ids))
            .order_by(Delivery.id)]


async def test_an_outcome_write_aborted_to_break_a_deadlock_runs_again(fx_engine: Any, fx_database_url: str) -> None:
    if not fx_database_url.startswith("postgres"):
        pytest.skip("SQLite has one writer at a time: no deadlock (run with --db=postgres)")
    import asyncpg

    first, second = await rows(2)
    await raw(Delivery, "UPDATE deliveries SET state = 'sending' WHERE id IN ({}, {})", first, second)
    before = retries("deadlock")
    other = await asyncpg.connect(fx_database_url)
    try:
        other_tx = other.transaction()
        await other_tx.start()
        await other.execute("SET LOCAL deadlock_timeout = '10s'")  # the outcome write is the one PostgreSQL aborts
        await other.execute("UPDATE deliveries SET lease_until = now() WHERE id = $1", second)
        writing = asyncio.create_task(record({("sent", ""): [first, second]}))  # locks `first`, waits for `second`
        for _ in range(100):
            waiting = await other.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "the outcome write never waited for the other writer's row"
        await other.execute("UPDATE deliveries SET lease_until = now() WHERE id = $1", first)  # the deadlock
        await other_tx.commit()
        await asyncio.wait_for(writing, 20)
    finally:
        await other.close()
    assert retries("deadlock") >= before + 1
    assert await states([first, second]) == ["sent", "sent"]


async def test_outcomes_a_failed_write_could_not_record_are_written_by_the_next_tick(fx_engine: Any) -> None:
    [delivery] = await rows(1)
    await raw(Delivery, "UPDATE deliveries SET state = 'sending' WHERE id = {}", delivery)
    async with Outcomes(every=0.05, size=1) as outcomes:
        await raw(Delivery, "ALTER TABLE deliveries RENAME TO deliveries_away")  # every write fails meanwhile
        try:
            with pytest.raises(Exception):
                await outcomes.add(delivery, "sent")  # due at once (size 1): written now, and it fails
            assert unwritten(outcomes) == 1 and outcomes.known() == {delivery}  # not forgotten
            await asyncio.sleep(0.3)  # the ticker tries again, fails, and goes on ticking
            assert unwritten(outcomes) == 1
        finally:
            await raw(Delivery, "ALTER TABLE deliveries_away RENAME TO deliveries")
        for _ in range(40):
            if unwritten(outcomes) == 0:
                break
            await asyncio.sleep(0.05)
        assert unwritten(outcomes) == 0 and outcomes.known() == set()
    assert await states([delivery]) == ["sent"]
