"""Records in piccolo's schema state the unique constraints the previous raw migration created.
Faked (`fake=True`): piccolo marks it applied without running it (tests/db/test_schema_state.py
checks that the tables and the migrations agree)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.constraints import Unique

ID = "2026-12-02T12:59:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "register: record the unique constraints (faked)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION, fake=True)

    manager.add_constraint(
        table_class_name="EpisodeDay",
        tablename="register_episode_days",
        constraint_name="register_episode_days_once",
        constraint_class=Unique,
        params={"columns": ["episode", "day"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="VolunteerAssignment",
        tablename="register_assignments",
        constraint_name="register_assignments_once",
        constraint_class=Unique,
        params={"columns": ["volunteer", "entry"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="EpisodeCheck",
        tablename="register_checks",
        constraint_name="register_checks_once",
        constraint_class=Unique,
        params={"columns": ["episode", "entry", "day"], "nulls_distinct": True},
        schema=None,
    )
    return manager
