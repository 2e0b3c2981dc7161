"""Apply the committed piccolo migrations to an engine.

On PostgreSQL the whole run holds a session-level advisory lock (`pg_advisory_lock`) on a
connection of its own: two `vigie migrate` started together (two hosts upgraded at once) run
one after the other, and the second finds the database up to date. Without it the second
failed half-way, creating tables the first had just created.
"""

from __future__ import annotations

import contextlib
import io
import sys

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from backend.lib.sqlite_ids import never_reuse_ids
from backend.settings import ROOT


MIGRATION_LOCK = 0x76696769  # "vigi": the advisory lock key of `vigie migrate` on PostgreSQL


@contextlib.asynccontextmanager
async def migration_lock(engine: Engine):
    """Hold PostgreSQL's advisory lock MIGRATION_LOCK while the block runs (nothing on SQLite,
    where one file has one writer at a time and several hosts never share it)."""
    if not isinstance(engine, PostgresEngine):
        yield
        return
    import asyncpg  # lazy: only PostgreSQL databases need it

    conn = await asyncpg.connect(engine.config["dsn"])
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await conn.close()  # the session ends: the lock is released


async def migrate(engine: Engine, quiet: bool = False) -> str:
    """Run every pending migration against `engine`; return piccolo's report."""
    async with migration_lock(engine):
        return await _migrate(engine, quiet)


async def _migrate(engine: Engine, quiet: bool) -> str:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # lazy: piccolo_conf.py is found on sys.path (set just above); piccolo's migration commands only here
    import piccolo_conf

    piccolo_conf.DB = engine  # piccolo's migration machinery looks the engine up here
    # lazy: piccolo's migration machinery, loaded only to migrate
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    # The table of applied migrations keeps the first engine it was used with: a second
    # call with another database would read the first one's record and apply nothing.
    Migration._meta.db = engine

    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{out.getvalue()}")
    converted = await never_reuse_ids(engine)  # SQLite: AUTOINCREMENT ids (backend/lib/sqlite_ids.py)
    if converted:
        out.write(f"ids never reused (AUTOINCREMENT) in {len(converted)} tables: {', '.join(converted)}\n")
    return out.getvalue()
