"""Records in piccolo's schema state the unique constraints that earlier raw migrations created.

Faked (`fake=True`): piccolo marks it applied without running it, as the database already has
all of it. Its content is what `piccolo migrations new solidarity --auto` compares the tables with:
without it a regenerate would add the columns again, or lose the `Unique` constraints
(tests/db/test_schema_state.py checks that the tables and the migrations agree).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.constraints import Unique

ID = "2026-12-02T09:30:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "record the unique constraints created by raw SQL (faked)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="solidarity", description=DESCRIPTION, fake=True
    )

    manager.add_constraint(
        table_class_name="CheckinWatcher",
        tablename="checkin_watchers",
        constraint_name="checkin_watchers_once",
        constraint_class=Unique,
        params={"columns": ["checkin", "user"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="CheckinRound",
        tablename="checkin_rounds",
        constraint_name="checkin_rounds_once",
        constraint_class=Unique,
        params={"columns": ["checkin", "period_date"], "nulls_distinct": True},
        schema=None,
    )

    return manager
