"""One comment per author and Idempotency-Key (hand-written, raw SQL; after the column's migration:
a migration's raw SQL runs before its own column changes)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T07:00:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "one comment per author and idempotency key"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS gazette_comments_idempotency ON gazette_comments (author, idempotency_key)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gazette", description=DESCRIPTION)

    async def run():
        from backend.gazette.tables import GazetteComment

        for sql in STATEMENTS:
            await GazetteComment.raw(sql)

    manager.add_raw(run)
    return manager
