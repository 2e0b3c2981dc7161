"""Records in piccolo's schema state the unique constraints that earlier raw migrations created.

Faked (`fake=True`): piccolo marks it applied without running it, as the database already has
all of it. Its content is what `piccolo migrations new gazette --auto` compares the tables with:
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
        migration_id=ID, app_name="gazette", description=DESCRIPTION, fake=True
    )

    manager.add_constraint(
        table_class_name="GazettePostCommunity",
        tablename="gazette_post_communities",
        constraint_name="gazette_post_communities_once",
        constraint_class=Unique,
        params={"columns": ["post", "community"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="GazetteComment",
        tablename="gazette_comments",
        constraint_name="gazette_comments_idempotency",
        constraint_class=Unique,
        params={"columns": ["author", "idempotency_key"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="GazetteRsvp",
        tablename="gazette_rsvps",
        constraint_name="gazette_rsvps_once",
        constraint_class=Unique,
        params={"columns": ["post", "user"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="GazetteRideRequest",
        tablename="gazette_ride_requests",
        constraint_name="gazette_ride_requests_once",
        constraint_class=Unique,
        params={"columns": ["post", "user"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="GazetteReport",
        tablename="gazette_reports",
        constraint_name="gazette_reports_once",
        constraint_class=Unique,
        params={"columns": ["post", "reporter"], "nulls_distinct": True},
        schema=None,
    )

    return manager
