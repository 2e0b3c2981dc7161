"""Every use of piccolo's private API, in one place, with what each one buys.

piccolo is pinned to the tested range in pyproject.toml (1.38.x).
tests/lib/test_piccolo_private.py checks each assumption below (names, signatures, and the
behaviour relied on) and fails loudly on a piccolo that changes one; docs/architecture.md
lists them with their figures. Nothing else in Vigie reaches into piccolo's private parts.

1. `PersistentSQLiteEngine` overrides `SQLiteEngine._run_in_new_connection` (private): piccolo
   opens a connection and a thread per query (~2 ms); one kept connection per event loop
   answers in ~0.5 ms, and SELECTs read on the loop's own thread (SQLite feed ~750 → ~950
   req/s in bench/api.py). It also relies on `connection_kwargs`, `current_transaction` and
   `dict_factory` (public names, undocumented).
2. `_ReusedConnection` relies on piccolo's SQLite transaction ending by `await
   connection.close()` on the connection `get_connection()` gave it: a transaction takes an
   idle connection instead of opening one (~1 ms: a file and a thread).
3. `sqlite3.converters.pop("INTEGER")` undoes a converter piccolo registers at import
   (~10 % of the feed's CPU).
4. `PlainQuery` is what an engine's `run_querystring` reads of a piccolo `QueryString`
   (`compile_string(engine_type)`, `query_type`, `table`, `str()`), without its per-argument
   work (~70 % of the time of a 10,000-row multi-row INSERT on SQLite).
5. `rolled_back()` reads a transaction's private `_rolled_back`: piccolo has no public flag
   for a transaction rolled back by hand inside its block (`await transaction.rollback()`),
   and `db.write_transaction()` must then not run its after-commit callbacks.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any, Sequence

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from backend.lib.tasks import KeptTasks

# 3. piccolo registers a converter for the INTEGER declared type: every id and foreign key read
# from SQLite went through a Python function turning its text back into the int sqlite3
# returns natively anyway (~0.07 ms for a 50-alert page, ~10 % of the feed's CPU). Without
# it, INTEGER columns come back as the same ints.
sqlite3.converters.pop("INTEGER", None)


class PersistentSQLiteEngine(SQLiteEngine):
    """SQLite engine that reuses one autocommit connection per event loop outside transactions.

    piccolo's stock engine opens a connection (and a thread) per query, ~2 ms each; a
    long-lived connection answers in ~0.5 ms. Transactions get a connection of their own,
    taken from (and given back to) a few idle ones kept per event loop.
    Loops that never called `open_shared()` (e.g. `run_sync` in scripts) use the stock path.

    SELECTs outside transactions run on a second connection, on the loop's own thread. In WAL
    mode a read never waits for a writer, and the rows are turned into Python objects under
    the GIL either way; going through aiosqlite's thread only added the hand-over between
    the two threads, ~0.4 ms a query under load (bench/api.py: SQLite feed ~750 → ~950
    req/s). Should a read meet a busy database all the same (a checkpoint, a recovery), it
    gives up at once and goes through the thread, which may wait.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shared: dict[asyncio.AbstractEventLoop, aiosqlite.Connection] = {}
        self._idle: dict[asyncio.AbstractEventLoop, list[aiosqlite.Connection]] = {}
        self._readers: dict[asyncio.AbstractEventLoop, sqlite3.Connection] = {}
        self._plain_readers: dict[asyncio.AbstractEventLoop, sqlite3.Connection] = {}

    async def get_connection(self) -> Any:
        """A transaction's connection: an idle one of this loop's, or a new one (~1 ms: a file
        and a thread). piccolo closes it when the transaction ends; the wrapper keeps it instead."""
        loop = asyncio.get_running_loop()
        if loop not in self._shared:  # no open_shared() on this loop: piccolo's own way
            return await super().get_connection()
        idle = self._idle.setdefault(loop, [])
        conn = idle.pop() if idle else None
        if conn is None:
            conn = await super().get_connection()
            await conn.execute("PRAGMA synchronous=NORMAL")  # as the shared one: WAL commits without fsync
        return _ReusedConnection(conn, idle)

    async def open_shared(self) -> None:
        loop = asyncio.get_running_loop()
        if loop in self._shared:
            return
        conn = await aiosqlite.connect(**self.connection_kwargs)
        conn.row_factory = dict_factory  # type: ignore[assignment]
        await conn.execute("PRAGMA foreign_keys = 1")
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        self._shared[loop] = conn

    async def close_shared(self) -> None:
        loop = asyncio.get_running_loop()
        conn = self._shared.pop(loop, None)
        for readers in (self._readers, self._plain_readers):
            reader = readers.pop(loop, None)
            if reader is not None:
                reader.close()
        for idle in [*self._idle.pop(loop, []), *([conn] if conn is not None else [])]:
            await idle.close()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):  # type: ignore[override]
        try:
            conn = self._shared.get(asyncio.get_running_loop())
        except RuntimeError:
            conn = None
        if conn is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        if query.lstrip()[:6].upper() == "SELECT":
            rows = self._read_here(query, args or [], converters=True)
            if rows is not None:
                return rows
        # One call into aiosqlite's thread: the statement runs to completion before another
        # coroutine's statement starts on this connection. With `execute()` then `fetchall()`,
        # another statement could start in between, inside the first one's still-open
        # implicit transaction, and a write there fails at once with "database is locked"
        # (SQLITE_BUSY_SNAPSHOT, no busy wait) when another process has written meanwhile.
        return await conn.execute_fetchall(query, args or [])

    def select_plain(self, query: str, args: Sequence[Any]) -> list[dict[str, Any]] | None:
        """Rows of a SELECT (`?` placeholders) without the declared-type converters piccolo
        registers: timestamps come back as the text piccolo stored (`str()` of a UTC datetime),
        booleans as 0/1. None when it cannot run here (see `_read_here`, or inside a
        transaction): the caller then takes piccolo's path."""
        if self.current_transaction.get() is not None:
            return None
        return self._read_here(query, args, converters=False)

    def _read_here(self, query: str, args: Sequence[Any], *, converters: bool) -> list[dict[str, Any]] | None:
        """Run a SELECT on this loop's reader connection (with or without piccolo's converters),
        on the loop's thread. None when the loop has no shared connection, or the database is
        busy (a checkpoint, a recovery): the caller goes through aiosqlite's thread instead."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        if loop not in self._shared:
            return None
        readers = self._readers if converters else self._plain_readers
        reader = readers.get(loop)
        if reader is None:
            kwargs = {**self.connection_kwargs, "timeout": 0, "check_same_thread": True}
            if not converters:
                kwargs["detect_types"] = 0
            reader = readers[loop] = sqlite3.connect(**kwargs)
            reader.row_factory = dict_factory
        try:
            return reader.execute(query, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            raise


class _ReusedConnection:
    """An aiosqlite connection whose close() hands it back to its engine's idle list, unless
    a transaction is still open on it (then it really closes) or enough are idle already."""

    MAX_IDLE = 4

    def __init__(self, conn: aiosqlite.Connection, idle: list[aiosqlite.Connection]) -> None:
        self._conn = conn
        self._idle = idle

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def execute(self, sql: str, parameters: Any = None) -> Any:
        """aiosqlite's `execute`, except for a BEGIN cancelled while it waits (behind another writer,
        up to the busy timeout): aiosqlite's thread runs it all the same once the lock is free, and
        piccolo's `__aexit__` (rollback, close) never runs since `__aenter__` did not return, so the
        connection kept SQLite's write lock for good (the suite's per-test wipe then found the
        database locked, behind a job cancelled by its app's stop). A ROLLBACK and a close are
        queued behind the BEGIN on the connection's thread, in a task of their own. Any other
        statement returns aiosqlite's own result (awaited, or used as `async with` by piccolo)."""
        if not sql.startswith("BEGIN"):
            return self._conn.execute(sql, parameters)
        return self._begin(sql, parameters)

    async def _begin(self, sql: str, parameters: Any) -> Any:
        try:
            return await self._conn.execute(sql, parameters)
        except asyncio.CancelledError:
            _abandoning.keep(asyncio.get_running_loop().create_task(_abandon(self._conn)))
            raise

    async def close(self) -> None:
        if self._conn.in_transaction or len(self._idle) >= self.MAX_IDLE:
            await self._conn.close()
        else:
            self._idle.append(self._conn)


_abandoning = KeptTasks()


async def _abandon(conn: aiosqlite.Connection) -> None:
    """Roll back (a BEGIN that failed leaves nothing to roll back) and close `conn`."""
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.OperationalError:
        pass
    await conn.close()


class PlainQuery:
    """4. What an engine's `run_querystring` reads of a piccolo `QueryString`, without its
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


async def run_plain(engine: Engine, sql: str, args: Sequence[Any]) -> list[Any]:
    """Run `sql` (`{}` placeholders) through `engine.run_querystring` as a `PlainQuery`."""
    return await engine.run_querystring(PlainQuery(sql, args))  # type: ignore[arg-type]


def rolled_back(transaction: Any) -> bool:
    """5. Whether a piccolo transaction was rolled back by hand inside its block."""
    return bool(transaction._rolled_back)
