"""Database engine from settings, bound to every table of the app.

SQLite (default) runs in WAL mode with a long busy timeout; writes that read first use
`write_transaction()` (BEGIN IMMEDIATE) so concurrent writers queue instead of failing.
PostgreSQL is used when `database_url` starts with postgres:// or postgresql://.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import contextmanager
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Iterator

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from backend.lib.piccolo_private import PersistentSQLiteEngine, rolled_back
from backend.settings import ROOT, Settings

log = logging.getLogger(__name__)

_engine: Engine | None = None


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def make_engine(settings: Settings) -> Engine:
    """Build (but do not connect) the engine the settings describe."""
    url = settings.database_url
    if is_postgres_url(url):
        # JIT off: it compiled the fan-out's recipients query of a 50,000-resident commune for ~0.8 s
        # (of 2.3 s) on bench/scale.py's database; Vigie's queries are short and never gain from it.
        # No parallel workers either: a directory page of a 2,000-member community was planned with
        # two of them (10–15 ms against 4–8 ms alone, bench/scale.py's database), each a process
        # started per query — under 50 clients the database's CPU, not the API's, set the pace.
        return PostgresEngine(config={"dsn": url, "server_settings": {
            "jit": "off", "max_parallel_workers_per_gather": "0"}}, log_queries=False)
    if not url.startswith("sqlite:///"):
        raise ValueError(f"Unsupported database_url: {url!r}")
    path = Path(url[len("sqlite:///"):])
    if not path.is_absolute():
        path = ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return PersistentSQLiteEngine(path=str(path), timeout=30, check_same_thread=False)


def bind_engine(engine: Engine, tables: Iterable[type[Table]]) -> Engine:
    """Make `tables` use `engine` (piccolo otherwise reads piccolo_conf.py); the wiring passes every
    table of every app (`backend.apps.bind_engine`)."""
    global _engine
    _engine = engine
    for table in tables:
        table._meta.db = engine
    return engine


class EngineConflict(RuntimeError):
    """A second app of the process would move every table to another database than the running one's."""


_holders: list[Engine] = []  # the engines of the apps running in this process (one, possibly held by several)
_before: tuple[Engine | None, dict[type[Table], Any]] = (None, {})


@contextmanager
def engine_held(engine_: Engine, tables: Iterable[type[Table]]) -> Iterator[Engine]:
    """Bind `tables` to `engine_` while an app runs (its lifespan), and restore the binding found
    before when the last app holding it stops. Table bindings are process-wide: an app started
    while another runs on a different engine would silently move the first one's queries to the
    other database, so it is refused (EngineConflict) instead."""
    global _before, _engine
    tables = list(tables)
    if any(held is not engine_ for held in _holders):
        raise EngineConflict(f"another app of this process runs on {_describe(_holders[0])}: an app on "
                             f"{_describe(engine_)} would move every table to it; run it in its own process")
    if not _holders:
        _before = (_engine, {table: table._meta.db for table in tables})
    bind_engine(engine_, tables)
    _holders.append(engine_)
    try:
        yield engine_
    finally:
        _holders.remove(engine_)
        if not _holders:
            previous, dbs = _before
            _engine = previous
            for table, db in dbs.items():
                table._meta.db = db


def _describe(engine_: Engine) -> str:
    if isinstance(engine_, SQLiteEngine):
        return f"SQLite {engine_.path}"
    return f"{type(engine_).__name__} {id(engine_):#x}"  # never the DSN: it may hold a password


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database engine not bound; call bind_engine() first")
    return _engine


async def keep_session(connection: Any) -> None:
    """The pool's `reset`: nothing beyond what asyncpg always does on release (roll back an open
    transaction, drop listeners). asyncpg's default also sends `SELECT pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL` — one more round trip after every query, as piccolo takes a
    connection from the pool for each one (~5 % of the API's CPU in the alerts feed, bench/scale.py).
    Vigie leaves no session state on a pooled connection: settings are `SET LOCAL` inside a
    transaction, advisory locks are `pg_advisory_xact_lock` (`vigie migrate` holds its session
    lock on its own connection), no LISTEN, no cursors outside transactions.
    tests/db/test_pool_reset.py checks that a transaction's state does not outlive it."""


_users: dict[tuple[Engine, asyncio.AbstractEventLoop], int] = {}
"""How many started users (apps, commands) each engine has on each event loop: its pool (PostgreSQL)
or shared connection (SQLite) is opened by the first start and closed by the last stop."""


async def start_engine(engine_: Engine) -> None:
    """Open pools / set pragmas; call once at startup.

    Apps sharing an engine in one process (tests run two at once) share its pool: a second start
    only counts a user (piccolo's start_connection_pool warned "A pool already exists" and kept the
    first pool, which the first app's stop then closed under the other app).
    """
    key = (engine_, asyncio.get_running_loop())
    if key in _users:
        _users[key] += 1
        return
    _users[key] = 1
    try:
        if isinstance(engine_, PostgresEngine):
            await engine_.start_connection_pool(min_size=2, max_size=20, reset=keep_session)
        elif isinstance(engine_, PersistentSQLiteEngine):
            await engine_.open_shared()
        else:
            await engine_.run_ddl("PRAGMA journal_mode=WAL")
    except BaseException:
        _users.pop(key, None)
        raise


async def stop_engine(engine_: Engine, grace: float = 10.0) -> None:
    """Close the pool / shared connections, at the last user's stop (`start_engine`). A pooled
    connection still in use (a request or job cut short without giving it back) would make asyncpg's
    graceful close wait for ever: after `grace` seconds the pool is terminated instead (asyncpg does
    so when its close is cancelled)."""
    key = (engine_, asyncio.get_running_loop())
    if _users.get(key, 0) > 1:
        _users[key] -= 1
        return
    _users.pop(key, None)
    if isinstance(engine_, PostgresEngine):
        try:
            await asyncio.wait_for(engine_.close_connection_pool(), grace)
        except TimeoutError:
            log.warning("database connections still in use %.0f s after the stop: closed without waiting", grace)
            engine_.pool = None
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
        if exc is None and callbacks and not rolled_back(self._transaction):
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
