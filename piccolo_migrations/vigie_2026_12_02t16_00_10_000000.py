"""A commune's code is unique per country, no longer alone (hand-written, raw SQL): Belgian NIS
codes collide with French INSEE codes (21004 is Bruxelles and a commune of Côte-d'Or).

PostgreSQL drops the column's UNIQUE constraint and adds `<table>_country_code_uniq UNIQUE
(country, insee_code)`. SQLite cannot drop a column constraint: the table is rebuilt without it
(the documented 12-step procedure: its own connection with foreign keys off, so dropping the old
table cascades to nothing; the rows, ids and indexes kept), then the unique index is created.
Not wrapped in piccolo's transaction, which would hold the database the rebuild needs.
"""

import asyncio
import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T16:00:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "communes and official_communes: unique (country, insee_code) instead of insee_code"

TABLES = ("communes", "official_communes")


async def _postgres(engine) -> None:
    for table in TABLES:
        rows = await engine.run_ddl(
            "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
            f"AND a.attnum = ANY(c.conkey) WHERE c.conrelid = '{table}'::regclass AND c.contype = 'u' "
            "AND array_length(c.conkey, 1) = 1 AND a.attname = 'insee_code'")
        for row in rows:
            await engine.run_ddl(f'ALTER TABLE "{table}" DROP CONSTRAINT "{row["conname"]}"')
        await engine.run_ddl(
            f'ALTER TABLE "{table}" ADD CONSTRAINT {table}_country_code_uniq UNIQUE (country, insee_code)')


def _sqlite(path: str) -> None:
    from backend.lib.sqlite_ids import rebuild_table, rebuilding

    with rebuilding(path, "the country rebuild") as connection:
        for table in TABLES:
            (create,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
            rebuilt = re.sub(r'("insee_code" VARCHAR\(\d+\)) UNIQUE', r"\1", create)
            if rebuilt != create:
                rebuild_table(connection, table, rebuilt)
            connection.execute(
                f'CREATE UNIQUE INDEX IF NOT EXISTS {table}_country_code_uniq ON "{table}" (country, insee_code)')


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION,
                               wrap_in_transaction=False)

    async def run():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await _postgres(engine)
        else:
            await asyncio.to_thread(_sqlite, engine.connection_kwargs["database"])

    manager.add_raw(run)
    return manager
