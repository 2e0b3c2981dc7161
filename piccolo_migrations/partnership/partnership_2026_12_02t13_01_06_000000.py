"""Records in piccolo's schema state the unique constraints the previous migration created by raw
SQL (faked: piccolo marks it applied without running it; see mairie_2026_12_02t09_30_10)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.constraints import Unique

ID = "2026-12-02T13:01:06:000000"
VERSION = "1.38.0"
DESCRIPTION = "record the unique constraints created by raw SQL (faked)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="partnership", description=DESCRIPTION, fake=True)
    manager.add_constraint(
        table_class_name="CitizenReferent",
        tablename="partnership_citizen_referents",
        constraint_name="partnership_citizen_referents_once",
        constraint_class=Unique,
        params={"columns": ["commune", "user"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="ConventionCommunity",
        tablename="partnership_convention_communities",
        constraint_name="partnership_convention_communities_once",
        constraint_class=Unique,
        params={"columns": ["convention", "community"], "nulls_distinct": True},
        schema=None,
    )
    return manager
