"""The register's no-duplicate rules, which the driver's ON CONFLICT relies on (one day row per
episode and day, one question per person and day, one assignment per volunteer and person).
SQLite cannot add a constraint to an existing table: there they are unique indexes; PostgreSQL
gets named UNIQUE constraints. The next (faked) migration records them in piccolo's schema state."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T12:59:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "register: unique indexes (SQLite) / constraints (PostgreSQL)"

UNIQUES = [
    ("register_episode_days", "register_episode_days_once", "episode, day"),
    ("register_assignments", "register_assignments_once", "volunteer, entry"),
    ("register_checks", "register_checks_once", "episode, entry, day"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for table, name, columns in UNIQUES:
            if engine.engine_type == "postgres":
                await engine.run_ddl(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})")
            else:
                await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {table} ({columns})")

    manager.add_raw(run)
    return manager
