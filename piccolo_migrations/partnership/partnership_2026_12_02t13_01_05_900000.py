"""The partnership tables' composite uniques: SQLite cannot ADD CONSTRAINT, so a unique index
there and a named UNIQUE constraint on PostgreSQL; the next migration (faked) records them in
piccolo's schema state (as piccolo_migrations/*_2026_12_02t09_30_* do)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T13:01:05:900000"
VERSION = "1.38.0"
DESCRIPTION = "partnership: unique (commune, user) of citizen referents, (convention, community) of perimeters"

UNIQUES = [
    ("partnership_citizen_referents", "partnership_citizen_referents_once", 'commune, "user"'),
    ("partnership_convention_communities", "partnership_convention_communities_once", "convention, community"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="partnership", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for table, name, columns in UNIQUES:
            if engine.engine_type == "postgres":
                await engine.run_ddl(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})")
            else:
                await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {table} ({columns})")

    manager.add_raw(run)
    return manager
