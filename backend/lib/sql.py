"""Small raw-SQL helpers for the hot, batched paths (fan-out, delivery updates).

piccolo's `raw()` takes `{}` placeholders and adapts them to each engine.
"""

from __future__ import annotations

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


async def bulk_insert(table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]],
                      *, ignore_conflicts: bool = True, chunk_rows: int = 400) -> None:
    """Multi-row INSERT in chunks; with `ignore_conflicts`, rows hitting a unique index are skipped."""
    cols = ", ".join(quote(c) for c in columns)
    row_sql = "(" + placeholders(len(columns)) + ")"
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    for part in chunks(rows, chunk_rows):
        sql = f"INSERT INTO {quote(table._meta.tablename)} ({cols}) VALUES " + ", ".join([row_sql] * len(part)) + suffix
        await table.raw(sql, *[v for row in part for v in row])


async def select_in(table: type[Table], sql_before_in: str, ids: Sequence[Any], *args: Any,
                    chunk_size: int = 500) -> list[dict[str, Any]]:
    """Run `sql_before_in IN (…)` over `ids` in chunks; `args` fill the `{}` before the IN list."""
    out: list[dict[str, Any]] = []
    for part in chunks(list(ids), chunk_size):
        out.extend(await table.raw(f"{sql_before_in} IN ({placeholders(len(part))})", *args, *part))
    return out


def flatten(groups: Iterable[Iterable[T]]) -> list[T]:
    return [x for g in groups for x in g]
