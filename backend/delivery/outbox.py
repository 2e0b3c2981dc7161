"""The outbox: work recorded in the transaction of its cause, handed to the fan-out queue after commit.

A periodic job (`upkeep.maintenance`) hands over rows that were not (Valkey down) or whose job
vanished; a row is completed by the fan-out, and kept when its kind has no handler (jobs.fanout).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from valkey.exceptions import ValkeyError

from backend.delivery.tables import Outbox
from backend.lib import clock
from backend.lib.queues import Queues

log = logging.getLogger(__name__)


async def add_outbox(kind: str, ref_id: int) -> None:
    """Record work to hand to the queue; call inside the transaction that creates `ref_id`.

    Ids are never reused (AUTOINCREMENT on SQLite, sequences on PostgreSQL), but a database from
    before that may hold the row of a deleted thing whose id a new one got: the new row replaces
    it instead of failing on the unique (kind, ref_id)."""
    await Outbox.raw(
        "INSERT INTO outbox (kind, ref_id, created_at, dispatched_at, completed_at, attempts) "
        "VALUES ({}, {}, {}, NULL, NULL, 0) ON CONFLICT (kind, ref_id) DO UPDATE SET "
        "created_at = excluded.created_at, dispatched_at = NULL, completed_at = NULL, attempts = 0",
        kind, ref_id, clock.now())


async def dispatch(queues: Queues, kind: str, ref_id: int) -> bool:
    """Hand an outbox row to the fan-out queue; False (and nothing lost) when Valkey is down."""
    try:
        await queues.enqueue("fanout", "fanout", job_key=f"fanout:{kind}:{ref_id}", kind=kind, ref_id=ref_id,
                             timeout=300, retries=10)
    except (ValkeyError, OSError) as exc:
        log.warning("fan-out of %s %s postponed, queue unavailable: %s", kind, ref_id, exc)
        return False
    # Hand-written: this runs inside every alert POST, and piccolo's builder cost more than the UPDATE.
    await Outbox.raw("UPDATE outbox SET dispatched_at = {}, attempts = attempts + 1 WHERE kind = {} AND ref_id = {}",
                     clock.now(), kind, ref_id)
    return True


async def redispatch_outbox(queues: Queues, min_age: timedelta = timedelta(seconds=2),
                            lost_after: timedelta = timedelta(minutes=2)) -> int:
    """Hand over rows never dispatched (Valkey was down) or dispatched long ago and not done."""
    now = clock.now()
    rows = await Outbox.select(Outbox.kind, Outbox.ref_id).where(
        Outbox.completed_at.is_null() & (
            (Outbox.dispatched_at.is_null() & (Outbox.created_at < now - min_age))
            | (Outbox.dispatched_at < now - lost_after))
    ).limit(500)
    done = 0
    for row in rows:
        if await dispatch(queues, row["kind"], row["ref_id"]):
            done += 1
        else:
            break
    return done


async def complete_outbox(kind: str, ref_id: int) -> None:
    """The fan-out (or task) of (kind, ref) is done: the row is no longer handed over."""
    await Outbox.update({Outbox.completed_at: clock.now()}).where((Outbox.kind == kind) & (Outbox.ref_id == ref_id))
