"""Stopping the engine never waits for ever on a pooled connection that was not given back (a PostgreSQL
pass of the suite once hung 17 min in an app's stop: asyncpg's graceful close waited for such a connection)."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import asyncpg
import pytest

from backend import db
from backend.lib.piccolo_private import PersistentSQLiteEngine
from backend.settings import Settings


async def test_a_connection_never_given_back_does_not_hold_the_stop(fx_database_url):
    if not db.is_postgres_url(fx_database_url):
        pytest.skip("PostgreSQL's pool only")
    engine = db.make_engine(Settings(database_url=fx_database_url))
    await db.start_engine(engine)
    pool = engine.pool
    held = await pool.acquire()  # never released
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(db.stop_engine(engine, grace=0.5), 5)
    assert loop.time() - started < 3
    assert engine.pool is None and pool.is_closing()
    with pytest.raises(asyncpg.InterfaceError):  # the connection held is gone with the pool
        await held.fetchval("SELECT 1")


async def test_apps_sharing_an_engine_share_its_pool_until_the_last_one_stops(fx_database_url):
    # Two apps of one process on one engine (the tests run two at once): each lifespan starts and
    # stops the engine.
    engine = db.make_engine(Settings(database_url=fx_database_url))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await db.start_engine(engine)
        opened = _opened(engine)
        assert opened is not None
        await db.start_engine(engine)
        assert _opened(engine) is opened
        await db.stop_engine(engine)  # one app stops: the other goes on with the same pool
        assert _opened(engine) is opened
        assert [dict(row) for row in await engine.run_ddl("SELECT 1 AS one")] == [{"one": 1}]
        await db.stop_engine(engine)
        assert _opened(engine) is None
    assert [str(w.message) for w in caught] == []  # piccolo's "A pool already exists", "No pool is running"


def _opened(engine: Any) -> Any:
    """The PostgreSQL pool, or the SQLite connection shared on this loop."""
    if isinstance(engine, PersistentSQLiteEngine):
        return engine._shared.get(asyncio.get_running_loop())  # noqa: SLF001
    return engine.pool
