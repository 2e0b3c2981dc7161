"""deliveries: one SMS per (kind, ref, phone) to a person without an account (`user` NULL).

The unique (kind, ref_id, user, channel) does not hold for NULL users (NULLs are distinct on both
engines): this partial unique index does, so a replayed fan-out adds no second text. Raw: piccolo's
`Unique` has no WHERE (like the one-running-check-in index).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T15:49:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "deliveries: one row per (kind, ref_id, phone, channel) without a user"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_phone_once ON deliveries (kind, ref_id, phone, channel) "
            'WHERE "user" IS NULL')

    manager.add_raw(run)
    return manager
