"""Database engine from settings, bound to every table of the app.

SQLite (default) runs in WAL mode with a long busy timeout; writes that read first use
`write_transaction()` (BEGIN IMMEDIATE) so concurrent writers queue instead of failing.
PostgreSQL is used when `database_url` starts with postgres:// or postgresql://.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar, Token
import asyncio
import sqlite3
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

import aiosqlite

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

from backend.settings import ROOT, Settings

log = logging.getLogger(__name__)

_engine: Engine | None = None

# piccolo registers a converter for the INTEGER declared type: every id and foreign key read
# from SQLite went through a Python function turning its text back into the int sqlite3
# returns natively anyway (~0.07 ms for a 50-alert page, ~10 % of the feed's CPU). Without
# it, INTEGER columns come back as the same ints.
sqlite3.converters.pop("INTEGER", None)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


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

    async def close(self) -> None:
        if self._conn.in_transaction or len(self._idle) >= self.MAX_IDLE:
            await self._conn.close()
        else:
            self._idle.append(self._conn)


def make_engine(settings: Settings) -> Engine:
    """Build (but do not connect) the engine the settings describe."""
    url = settings.database_url
    if is_postgres_url(url):
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    if not url.startswith("sqlite:///"):
        raise ValueError(f"Unsupported database_url: {url!r}")
    path = Path(url[len("sqlite:///"):])
    if not path.is_absolute():
        path = ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return PersistentSQLiteEngine(path=str(path), timeout=30, check_same_thread=False)


def all_tables() -> list[type]:
    """Every table of every app, parents before children."""
    from backend.apps import app_configs

    return [table for config in app_configs() for table in config.table_classes]


def bind_engine(engine: Engine) -> Engine:
    """Make every table use `engine` (piccolo otherwise reads piccolo_conf.py)."""
    global _engine
    _engine = engine
    for table in all_tables():
        table._meta.db = engine
    return engine


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database engine not bound; call bind_engine() first")
    return _engine


async def start_engine(engine_: Engine) -> None:
    """Open pools / set pragmas; call once at startup."""
    if isinstance(engine_, PostgresEngine):
        await engine_.start_connection_pool(min_size=2, max_size=20)
    elif isinstance(engine_, PersistentSQLiteEngine):
        await engine_.open_shared()
    else:
        await engine_._run_in_new_connection("PRAGMA journal_mode=WAL")


async def stop_engine(engine_: Engine) -> None:
    if isinstance(engine_, PostgresEngine):
        await engine_.close_connection_pool()
    elif isinstance(engine_, PersistentSQLiteEngine):
        await engine_.close_shared()


AfterCommit = Callable[[], Awaitable[Any]]

_after_commit: ContextVar[list[AfterCommit] | None] = ContextVar("vigie_after_commit", default=None)


class WriteTransaction:
    """piccolo's transaction, plus the callbacks to run once it has committed (`on_commit`).

    The outermost `write_transaction()` owns the callbacks: one opened inside another joins
    it (piccolo's nested transaction is the outer one) and its callbacks wait for the outer commit.
    """

    def __init__(self, transaction: Any) -> None:
        self._transaction = transaction
        self._callbacks: list[AfterCommit] | None = None
        self._token: Token | None = None

    async def __aenter__(self) -> Any:
        if _after_commit.get() is None:  # the outermost one
            self._callbacks = []
            self._token = _after_commit.set(self._callbacks)
        try:
            return await self._transaction.__aenter__()
        except BaseException:
            self._forget()
            raise

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        try:
            result = await self._transaction.__aexit__(exc_type, exc, tb)
        finally:
            callbacks = self._forget()
        if exc is None and callbacks and not getattr(self._transaction, "_rolled_back", False):
            await run_after_commit(callbacks)
        return result

    def _forget(self) -> list[AfterCommit]:
        callbacks, self._callbacks = self._callbacks or [], None
        if self._token is not None:
            _after_commit.reset(self._token)
            self._token = None
        return callbacks


def write_transaction() -> WriteTransaction:
    """A transaction that takes the write lock up front on SQLite (BEGIN IMMEDIATE).

    Side effects that must follow the commit (enqueue the fan-out, publish live) are
    registered inside it with `on_commit()`.
    """
    eng = engine()
    if isinstance(eng, SQLiteEngine):
        return WriteTransaction(eng.transaction(transaction_type=TransactionType.immediate))
    return WriteTransaction(eng.transaction())


def on_commit(callback: AfterCommit) -> None:
    """Run `callback()` (a coroutine function without arguments) once the enclosing
    `write_transaction()` has committed: never after a rollback; callbacks run in the order
    they were registered, and one that raises is logged without stopping the others.

    Outside a `write_transaction()` this raises: a side effect with no commit to follow is a bug.
    """
    callbacks = _after_commit.get()
    if callbacks is None:
        raise RuntimeError("on_commit() outside write_transaction()")
    callbacks.append(callback)


async def run_after_commit(callbacks: list[AfterCommit]) -> None:
    for callback in callbacks:
        try:
            await callback()
        except Exception:  # the data is committed: the other side effects must still happen
            log.exception("after-commit callback %r failed", callback)


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)
