"""Each private piccolo API Vigie relies on (backend/lib/piccolo_private.py) is still there and
still behaves as relied on. A piccolo upgrade that changes one fails here, loudly, by name.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import tomllib
from pathlib import Path
from typing import Any, AsyncIterator

import piccolo
import pytest
from packaging.specifiers import SpecifierSet
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from backend.lib.piccolo_private import PersistentSQLiteEngine, PlainQuery, rolled_back, run_plain

ROOT = Path(__file__).resolve().parents[2]


def test_installed_piccolo_is_inside_the_range_pinned_in_pyproject() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pin = next(d for d in dependencies if d.startswith("piccolo["))
    specifier = SpecifierSet(pin.split("]", 1)[1])
    assert piccolo.__VERSION__ in specifier, f"piccolo {piccolo.__VERSION__} is outside the tested range {pin}"
    assert not SpecifierSet(str(specifier)).contains("1.39.0"), "the pin must stop before an untested minor version"


def test_engine_private_methods_keep_the_signatures_overridden_and_called() -> None:
    params = list(inspect.signature(SQLiteEngine._run_in_new_connection).parameters)
    assert params == ["self", "query", "args", "query_type", "table"]
    assert inspect.iscoroutinefunction(SQLiteEngine._run_in_new_connection)
    assert list(inspect.signature(SQLiteEngine.run_querystring).parameters) == ["self", "querystring", "in_pool"]
    assert list(inspect.signature(PostgresEngine.run_querystring).parameters) == ["self", "querystring", "in_pool"]
    # run_querystring sends a query outside a transaction to the method the engine overrides.
    assert "self._run_in_new_connection(" in inspect.getsource(SQLiteEngine.run_querystring)
    # A transaction gives its connection back by closing it (the reuse of idle connections).
    assert "await self.connection.close()" in inspect.getsource(SQLiteTransaction.__aexit__)
    source = inspect.getsource(SQLiteTransaction)
    assert "self.connection = await self.get_connection()" in source
    assert "return await self.engine.get_connection()" in source
    for transaction in (SQLiteTransaction, PostgresTransaction):
        assert {"_committed", "_rolled_back"} <= set(transaction.__slots__), transaction
        assert "self._rolled_back = True" in inspect.getsource(transaction.rollback)
    engine = SQLiteEngine(path=":memory:")
    assert {"database", "detect_types"} <= set(engine.connection_kwargs)
    assert hasattr(engine, "current_transaction")
    assert dict_factory(type("Cursor", (), {"description": [("a",), ("b",)]})(), (1, 2)) == {"a": 1, "b": 2}


def test_plain_query_compiles_as_piccolos_query_string_does() -> None:
    sql, args = "SELECT {} AS a, {} AS b WHERE x IN ({}, {})", [1, "deux", 3.5, None]
    for engine_type in ("sqlite", "postgres"):
        assert PlainQuery(sql, args).compile_string(engine_type) == QueryString(sql, *args).compile_string(
            engine_type=engine_type)
    string = QueryString(sql, *args)
    assert string.query_type == "generic" and string.table is None  # what run_querystring reads besides
    assert PlainQuery.query_type != "insert" and PlainQuery.table is None  # "insert" would ask for a table


def test_piccolo_still_registers_sqlite_converters_and_integer_is_no_longer_one() -> None:
    assert "INTEGER" not in sqlite3.converters
    assert {"TIMESTAMPTZ", "BOOLEAN"} <= set(sqlite3.converters), "piccolo changed how it registers converters"


@pytest.fixture
async def fx_sqlite(tmp_path: Path) -> AsyncIterator[PersistentSQLiteEngine]:
    engine = PersistentSQLiteEngine(path=str(tmp_path / "private.db"), timeout=30, check_same_thread=False)
    await engine.open_shared()
    yield engine
    await engine.close_shared()


async def test_queries_outside_transactions_run_on_one_kept_connection(fx_sqlite: PersistentSQLiteEngine) -> None:
    # A TEMP table lives only on the connection that made it: the next statements see it only
    # if they go through the same connection, i.e. through the overridden method.
    await run_plain(fx_sqlite, "CREATE TEMP TABLE here (n INTEGER)", [])
    await run_plain(fx_sqlite, "INSERT INTO here (n) VALUES ({}), ({})", [7, 8])
    rows = await run_plain(fx_sqlite, "DELETE FROM here WHERE n > {} RETURNING n", [0])
    assert sorted(r["n"] for r in rows) == [7, 8] and all(type(r["n"]) is int for r in rows)
    # SELECTs read on the loop's thread, through a reader connection of their own.
    await run_plain(fx_sqlite, "CREATE TABLE kept (n INTEGER)", [])
    await run_plain(fx_sqlite, "INSERT INTO kept (n) VALUES ({})", [5])
    assert await run_plain(fx_sqlite, "SELECT n FROM kept", []) == [{"n": 5}]
    assert fx_sqlite._readers[asyncio.get_running_loop()].execute("SELECT count(*) AS c FROM kept").fetchall() == [
        {"c": 1}]


async def test_a_transactions_connection_is_kept_and_reused(fx_sqlite: PersistentSQLiteEngine) -> None:
    await run_plain(fx_sqlite, "CREATE TABLE t (n INTEGER)", [])
    seen: list[Any] = []
    for n in range(3):
        async with fx_sqlite.transaction():
            seen.append(fx_sqlite.current_transaction.get().connection._conn)
            await run_plain(fx_sqlite, "INSERT INTO t (n) VALUES ({})", [n])
    assert seen[0] is seen[1] is seen[2], "each transaction opened a new connection"
    assert fx_sqlite._idle[asyncio.get_running_loop()] == [seen[0]]
    try:
        async with fx_sqlite.transaction():
            await run_plain(fx_sqlite, "INSERT INTO t (n) VALUES ({})", [99])
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert await run_plain(fx_sqlite, "SELECT n FROM t ORDER BY n", []) == [{"n": 0}, {"n": 1}, {"n": 2}]


async def test_select_plain_skips_converters_and_steps_aside_inside_a_transaction(
        fx_sqlite: PersistentSQLiteEngine) -> None:
    await run_plain(fx_sqlite, "CREATE TABLE s (at TIMESTAMPTZ, ok BOOLEAN)", [])
    await run_plain(fx_sqlite, "INSERT INTO s VALUES ({}, {})", ["2026-12-02 09:00:00+00:00", 1])
    assert fx_sqlite.select_plain("SELECT at, ok FROM s", []) == [{"at": "2026-12-02 09:00:00+00:00", "ok": 1}]
    converted = await run_plain(fx_sqlite, "SELECT at, ok FROM s", [])
    assert converted[0]["ok"] is True and converted[0]["at"].year == 2026
    async with fx_sqlite.transaction():
        assert fx_sqlite.select_plain("SELECT at FROM s", []) is None


async def test_rolled_back_tells_a_transaction_rolled_back_by_hand(fx_sqlite: PersistentSQLiteEngine) -> None:
    await run_plain(fx_sqlite, "CREATE TABLE r (n INTEGER)", [])
    async with fx_sqlite.transaction() as kept:
        await run_plain(fx_sqlite, "INSERT INTO r (n) VALUES ({})", [1])
    assert rolled_back(kept) is False
    async with fx_sqlite.transaction() as undone:
        await run_plain(fx_sqlite, "INSERT INTO r (n) VALUES ({})", [2])
        await undone.rollback()
    assert rolled_back(undone) is True
    assert await run_plain(fx_sqlite, "SELECT n FROM r", []) == [{"n": 1}]


async def test_a_transaction_cancelled_while_its_begin_waits_for_the_lock_does_not_keep_the_lock(
        tmp_path: Path) -> None:
    """A job cancelled (its app stopping) while its BEGIN IMMEDIATE waits behind another writer: aiosqlite's
    thread still runs the BEGIN once the lock is free, and piccolo's `__aexit__` (its rollback and close) never
    runs, as `__aenter__` did not return. The connection then held SQLite's write lock for good: the suite's next
    per-test wipe found the database locked (tests/conftest.py)."""
    path = tmp_path / "cancelled.db"
    engine = PersistentSQLiteEngine(path=str(path), timeout=30, check_same_thread=False)
    await engine.open_shared()
    try:
        await run_plain(engine, "CREATE TABLE w (n INTEGER)", [])
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        entered = asyncio.Event()

        async def write() -> None:
            async with engine.transaction(transaction_type=TransactionType.immediate):
                entered.set()
                await run_plain(engine, "INSERT INTO w (n) VALUES ({})", [1])

        task = asyncio.create_task(write())
        await asyncio.sleep(0.3)  # its BEGIN IMMEDIATE waits in aiosqlite's thread
        assert not entered.is_set()
        task.cancel()
        blocker.execute("ROLLBACK")  # the lock is free: the waiting BEGIN takes it
        blocker.close()
        assert (await asyncio.gather(task, return_exceptions=True))[0].__class__ is asyncio.CancelledError
        await asyncio.sleep(0.5)  # the BEGIN's busy handler tries again every 0.1 s at most: it has the lock
        other = sqlite3.connect(path, timeout=3, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" after 3 s when the lock was kept
            other.execute("INSERT INTO w (n) VALUES (2)")
            other.execute("COMMIT")
        finally:
            other.close()
        assert await run_plain(engine, "SELECT n FROM w", []) == [{"n": 2}]
    finally:
        await engine.close_shared()
