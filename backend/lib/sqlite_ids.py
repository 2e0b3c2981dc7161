"""Ids are never reused on SQLite: every table's `id` is `INTEGER PRIMARY KEY AUTOINCREMENT`.

piccolo's Serial is a plain `INTEGER PRIMARY KEY` on SQLite, whose next id is max(id) + 1: after
the newest row was deleted, the next row took its id, and whatever still referred to the old row
by id (the outbox's unique (kind, ref_id), deliveries, audit entries, links in notifications)
now pointed at the new one — deleting the newest Gazette comment made every later comment fail
on the outbox's unique index. PostgreSQL's sequences never go back, so this is SQLite only.

SQLite cannot change a primary key in place: each table still without AUTOINCREMENT is rebuilt
(the documented "12 steps": new table, copy, drop, rename, indexes and triggers again) in one
transaction with foreign keys off, then checked with `PRAGMA foreign_key_check`. Rows keep
their ids; the sequence starts at the largest id present. `migrate()` runs it after piccolo's
migrations, so existing databases and tables added later are converted alike; tables already
converted are left alone (a second run does nothing).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from piccolo.engine.sqlite import SQLiteEngine

_PRIMARY_KEY = re.compile(r'"id" INTEGER PRIMARY KEY(?! AUTOINCREMENT)', re.IGNORECASE)
_SKIP = {"migration", "sqlite_sequence"}  # piccolo's own record of applied migrations; SQLite's


def tables_to_convert(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL").fetchall()
    return [(name, sql) for name, sql in rows
            if name not in _SKIP and not name.startswith("sqlite_") and _PRIMARY_KEY.search(sql)]


def _rebuild(connection: sqlite3.Connection, name: str, sql: str) -> None:
    rebuild_table(connection, name, _PRIMARY_KEY.sub('"id" INTEGER PRIMARY KEY AUTOINCREMENT', sql, count=1))


def rebuild_table(connection: sqlite3.Connection, name: str, sql: str) -> None:
    """Rebuild table `name` as `sql` (its CREATE TABLE, changed) with its rows, indexes and triggers: the
    "12 steps" inside the caller's transaction, foreign keys off (a migration's SQLite rebuild uses it too)."""
    temporary = f"{name}__rebuilt"
    create = sql.replace(f'CREATE TABLE "{name}"', f'CREATE TABLE "{temporary}"', 1)
    if create == sql:
        create = re.sub(rf"^CREATE TABLE\s+{re.escape(name)}\b", f'CREATE TABLE "{temporary}"', sql, count=1)
    extras = [s for (s,) in connection.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        (name,))]
    connection.execute(create)
    connection.execute(f'INSERT INTO "{temporary}" SELECT * FROM "{name}"')
    connection.execute(f'DROP TABLE "{name}"')
    connection.execute(f'ALTER TABLE "{temporary}" RENAME TO "{name}"')
    for statement in extras:
        connection.execute(statement)


@contextmanager
def rebuilding(path: str | Path, what: str) -> Iterator[sqlite3.Connection]:
    """A connection to the SQLite file at `path` for rebuilding tables: its own, foreign keys off
    (so dropping an old table cascades to nothing), one BEGIN IMMEDIATE transaction committed only
    when `PRAGMA foreign_key_check` finds nothing broken (`what` names the work in that error),
    rolled back on any error."""
    connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            problems = connection.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by {what}: {problems[:5]}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()


def convert_file(path: str | Path) -> list[str]:
    """Rebuild the tables of the SQLite file at `path` that may still reuse ids; their names."""
    with rebuilding(path, "the id rebuild") as connection:
        todo = tables_to_convert(connection)
        for name, sql in todo:
            _rebuild(connection, name, sql)
    return [name for name, _ in todo]


async def never_reuse_ids(engine: object) -> list[str]:
    """On a piccolo SQLite engine, convert what needs it (see the module); nothing on PostgreSQL."""
    if not isinstance(engine, SQLiteEngine):
        return []
    return await asyncio.to_thread(convert_file, engine.connection_kwargs["database"])
