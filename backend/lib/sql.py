"""Small raw-SQL helpers for the hot, batched paths (fan-out, delivery updates).

piccolo's `raw()` takes `{}` placeholders and adapts them to each engine; `raw()` here does
the same without building a piccolo `QueryString` (see `PlainQuery` in
backend/lib/piccolo_private.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping, Sequence, TypeVar

from piccolo.table import Table

from backend.lib import metrics
from backend.lib.piccolo_private import PersistentSQLiteEngine, PlainQuery, run_plain

T = TypeVar("T")
log = logging.getLogger(__name__)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


BATCH_ROWS = 1000
"""Rows one statement of `in_batches` touches: a few milliseconds of SQLite's write lock each."""
MAX_PAUSE = 5.0
"""The longest wait of `in_batches` between two batches, whatever the batch took."""


async def in_batches(table: type[Table], where: Any, values: dict[Any, Any] | None = None, *,
                     pause: float = 0.0) -> int:
    """Delete the rows of `table` matching `where` — or, given `values`, update them — BATCH_ROWS
    at a time, each batch its own short statement, the event loop free between two: a first
    retention run over a year of rows never holds SQLite's lock for long. With `values`, `where`
    must stop matching an updated row (or the loop would not end). Returns the rows touched.

    After each full batch it waits `pause` times as long as the batch took (at most MAX_PAUSE
    seconds; the waits are counted in `vigie_batch_pause_seconds`): with 1.0 a purge of millions of
    rows (the first run after an upgrade, or a lowered retention) keeps the database busy half the
    time instead of all of it, and the sends running beside it keep their pace; the daily purge of
    one day's rows (a few batches) takes a few seconds more.

    Each batch is one statement, its rows chosen by a sub-select (`id IN (SELECT id … LIMIT n)`):
    reading the ids first and sending them back, two thirds of the purge's samples in the worker
    were piccolo building and compiling a WHERE of 1,000 values — CPU that a first purge of a
    year of deliveries (millions of rows) took from the sends running beside it (bench/scale.py,
    py-spy, 3 Dec 2026)."""
    key = table._meta.primary_key
    touched = 0
    while True:
        batch = key.is_in(table.select(key).where(where).limit(BATCH_ROWS))
        query = table.delete().where(batch) if values is None else table.update(values).where(batch)
        started = time.monotonic()
        done = len(await query.returning(key))
        touched += done
        if done < BATCH_ROWS:
            return touched
        wait = min(max(0.0, pause) * (time.monotonic() - started), MAX_PAUSE)
        metrics.BATCH_PAUSES.labels(table._meta.tablename).inc(wait)
        await asyncio.sleep(wait)  # other writers (a resident's alert) take the lock between two batches


def quote(name: str) -> str:
    return f'"{name}"'


def placeholders(count: int) -> str:
    return ", ".join(["{}"] * count)


async def raw(table: type[Table], sql: str, *args: Any) -> list[dict[str, Any]]:
    """`table.raw(sql, *args)` for statements with many `{}` arguments; rows as dicts.
    `sql` must hold no other braces (piccolo would read `{{` as an escape; this does not)."""
    rows = await run_plain(table._meta.db, sql, args)
    if not rows or isinstance(rows[0], dict):
        return rows or []
    return [dict(row) for row in rows]  # asyncpg Records


CONFLICT_STATES = {"40P01": "deadlock", "40001": "serialization"}
"""SQLSTATEs with which PostgreSQL aborts one statement to let another go on: run it again."""


async def raw_alone(table: type[Table], sql: str, *args: Any, attempts: int = 6) -> list[dict[str, Any]]:
    """`raw` for a statement run on its own, outside any transaction, that PostgreSQL may abort to
    break a deadlock (SQLSTATE 40P01) or a serialization conflict (40001) with another writer of
    the same rows: it was rolled back whole, so it runs again after a short random pause, up to
    `attempts` times (then the error is raised). Counted in `vigie_db_statement_retries_total`.

    The delivery writers need it: a worker renews the lease of every row it is sending in one
    UPDATE while its jobs write the outcomes of some of those rows in others, each locking rows
    in its own order; under a 50,000-resident broadcast PostgreSQL aborted a few outcome writes
    a run (bench/scale.py, 3 Dec 2026), and each lost its batch of outcomes."""
    for attempt in range(1, attempts + 1):
        try:
            return await raw(table, sql, *args)
        except Exception as exc:
            reason = CONFLICT_STATES.get(getattr(exc, "sqlstate", None) or "")
            if reason is None or attempt == attempts:
                raise
            metrics.STATEMENT_RETRIES.labels(reason).inc()
            log.info("%s on %s, attempt %d: running it again", reason, sql.split(" ", 2)[:2], attempt)
            await asyncio.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


async def select_plain(table: type[Table], sql: str, *args: Any) -> Sequence[Mapping[str, Any]]:
    """A SELECT whose rows skip what a hot read does not need: on SQLite piccolo's type converters
    (timestamps stay text, booleans 0/1 — see `PersistentSQLiteEngine.select_plain`), on
    PostgreSQL the copy of each asyncpg `Record` into a dict (~1.5 µs a row: 51 rows are a tenth
    of the alerts feed's CPU). Callers must accept both forms (`iso_utc`, `bool()`) and read the
    rows by column name only (a `Record` is no dict: no `dict(row)` merging, no item assignment)."""
    engine = table._meta.db
    if isinstance(engine, PersistentSQLiteEngine):
        rows = engine.select_plain(*PlainQuery(sql, args).compile_string("sqlite"))
        if rows is not None:
            return rows
        return await raw(table, sql, *args)
    return await run_plain(engine, sql, args)


def iso_utc(value: Any) -> str | None:
    """ISO 8601 of a timestamptz value as a driver returns it (datetime) or as piccolo stores
    it in SQLite (`str()` of a UTC datetime, or naive UTC text from a SQL default)."""
    if value is None or isinstance(value, datetime):
        return value.isoformat() if value is not None else None
    text = value.replace(" ", "T", 1)
    return text if text.endswith("+00:00") else f"{text}+00:00"


async def bulk_insert(table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]],
                      *, ignore_conflicts: bool = True, chunk_rows: int = 400) -> None:
    """Multi-row INSERT in chunks; with `ignore_conflicts`, rows hitting a unique index are skipped."""
    cols = ", ".join(quote(c) for c in columns)
    row_sql = "(" + placeholders(len(columns)) + ")"
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    for part in chunks(rows, chunk_rows):
        sql = f"INSERT INTO {quote(table._meta.tablename)} ({cols}) VALUES " + ", ".join([row_sql] * len(part)) + suffix
        await raw(table, sql, *[v for row in part for v in row])


async def select_in(table: type[Table], sql_before_in: str, ids: Sequence[Any], *args: Any,
                    chunk_size: int = 500) -> list[dict[str, Any]]:
    """Run `sql_before_in IN (…)` over `ids` in chunks; `args` fill the `{}` before the IN list."""
    out: list[dict[str, Any]] = []
    for part in chunks(list(ids), chunk_size):
        out.extend(await raw(table, f"{sql_before_in} IN ({placeholders(len(part))})", *args, *part))
    return out


def flatten(groups: Iterable[Iterable[T]]) -> list[T]:
    return [x for g in groups for x in g]
