"""Small raw-SQL helpers for the hot, batched paths (fan-out, delivery updates).

piccolo's `raw()` takes `{}` placeholders and adapts them to each engine; `raw()` here does
the same without building a piccolo `QueryString` (see `_PlainQuery`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Iterator, Sequence, TypeVar

from piccolo.table import Table

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def quote(name: str) -> str:
    return f'"{name}"'


def placeholders(count: int) -> str:
    return ", ".join(["{}"] * count)


class _PlainQuery:
    """What an engine's `run_querystring` reads of a piccolo `QueryString`, without its
    per-argument work: an isinstance check per argument, then a bundling pass, ~15 µs per
    row of 8 values — ~70 % of the time of a 10,000-row multi-row INSERT on SQLite. Same
    engines, same transaction handling (piccolo's current transaction, if any, runs it)."""

    query_type = "raw"
    table = None

    def __init__(self, sql: str, args: Sequence[Any]) -> None:
        self.parts = sql.split("{}")
        if len(self.parts) != len(args) + 1:
            raise ValueError(f"{len(self.parts) - 1} placeholders for {len(args)} arguments")
        self.sql = sql
        self.args = list(args)

    def compile_string(self, engine_type: str = "postgres") -> tuple[str, list[Any]]:
        if engine_type == "sqlite":
            return "?".join(self.parts), self.args
        out = [self.parts[0]]
        for index, part in enumerate(self.parts[1:], start=1):
            out.append(f"${index}")
            out.append(part)
        return "".join(out), self.args

    def __str__(self) -> str:
        return self.sql


async def raw(table: type[Table], sql: str, *args: Any) -> list[dict[str, Any]]:
    """`table.raw(sql, *args)` for statements with many `{}` arguments; rows as dicts.
    `sql` must hold no other braces (piccolo would read `{{` as an escape; this does not)."""
    rows = await table._meta.db.run_querystring(_PlainQuery(sql, args))
    if not rows or isinstance(rows[0], dict):
        return rows or []
    return [dict(row) for row in rows]  # asyncpg Records


async def select_plain(table: type[Table], sql: str, *args: Any) -> list[dict[str, Any]]:
    """A SELECT whose rows skip piccolo's type converters where that is cheaper (SQLite:
    timestamps stay text, booleans 0/1 — see `PersistentSQLiteEngine.select_plain`), else
    `raw()`. Callers must accept both forms (`iso_utc`, `bool()`)."""
    from backend.db import PersistentSQLiteEngine

    engine = table._meta.db
    if isinstance(engine, PersistentSQLiteEngine):
        rows = engine.select_plain(*_PlainQuery(sql, args).compile_string("sqlite"))
        if rows is not None:
            return rows
    return await raw(table, sql, *args)


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
