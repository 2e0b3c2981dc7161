"""PostgreSQL's pool returns connections without asyncpg's reset round trip (`db.keep_session`):
what a transaction sets or locks ends with it, so the next request on that connection starts clean."""

from __future__ import annotations

import asyncio

import pytest
from piccolo.engine.postgres import PostgresEngine

from backend import db
from backend.settings import Settings


async def test_a_transactions_settings_and_locks_do_not_outlive_it_on_pooled_connections(fx_database_url):
    if not db.is_postgres_url(fx_database_url):
        pytest.skip("PostgreSQL's pool only")
    engine = db.make_engine(Settings(database_url=fx_database_url))
    assert isinstance(engine, PostgresEngine)
    await db.start_engine(engine)
    try:
        assert engine.pool._reset is db.keep_session  # noqa: SLF001 — the pool the app starts
        default = (await engine._run_in_pool("SHOW statement_timeout"))[0][0]  # noqa: SLF001
        async with engine.transaction():
            await engine.run_ddl("SET LOCAL statement_timeout = '1234ms'")
            await engine.run_ddl("SELECT pg_advisory_xact_lock(4242)")
        with pytest.raises(ZeroDivisionError):
            async with engine.transaction():  # left by an error: rolled back before the pool takes it back
                await engine.run_ddl("SET LOCAL statement_timeout = '4321ms'")
                raise ZeroDivisionError

        async def state() -> tuple[str, int, bool]:
            async with engine.pool.acquire() as conn:
                await asyncio.sleep(0.05)  # held together: the pool hands out each of its connections
                return (await conn.fetchval("SHOW statement_timeout"),
                        await conn.fetchval("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'"),
                        conn.is_in_transaction())

        assert set(await asyncio.gather(*(state() for _ in range(engine.pool.get_size())))) == {(default, 0, False)}
    finally:
        await db.stop_engine(engine)
