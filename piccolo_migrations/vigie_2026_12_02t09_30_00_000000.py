"""The unique indexes of the raw migrations become named UNIQUE constraints on PostgreSQL.

The tables now declare them with piccolo's `Unique` (the next migration records that in
piccolo's schema state). PostgreSQL turns each existing index into the constraint of the same
name (`ADD CONSTRAINT … UNIQUE USING INDEX`, no rebuild), so piccolo's `drop_constraint` would
find it. SQLite cannot add a constraint to an existing table: there the unique index stays and
enforces the same rule.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "PostgreSQL: unique indexes -> UNIQUE constraints of the same name"

POSTGRES_STATEMENTS = [
    "ALTER TABLE memberships ADD CONSTRAINT memberships_user_community_uniq UNIQUE USING INDEX memberships_user_community_uniq",
    "ALTER TABLE mairie_staff ADD CONSTRAINT mairie_staff_user_commune_uniq UNIQUE USING INDEX mairie_staff_user_commune_uniq",
    "ALTER TABLE alerts ADD CONSTRAINT alerts_idempotency UNIQUE USING INDEX alerts_idempotency",
    "ALTER TABLE outbox ADD CONSTRAINT outbox_once UNIQUE USING INDEX outbox_once",
    "ALTER TABLE deliveries ADD CONSTRAINT deliveries_once UNIQUE USING INDEX deliveries_once",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if engine is not None and engine.engine_type == "postgres":
            for sql in POSTGRES_STATEMENTS:
                await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
