"""Stopping the engine never waits for ever on a pooled connection that was not given back (a PostgreSQL
pass of the suite once hung 17 min in an app's stop: asyncpg's graceful close waited for such a connection)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from backend import db
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
