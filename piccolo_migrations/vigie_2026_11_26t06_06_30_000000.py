"""Unique constraints that make delivery and alert creation idempotent (hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T06:06:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique deliveries per (kind, ref, user, channel); alert idempotency keys per author"

STATEMENTS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS deliveries_once ON deliveries (kind, ref_id, "user", channel)',
    'CREATE UNIQUE INDEX IF NOT EXISTS alerts_idempotency ON alerts (author, idempotency_key)',
    'CREATE INDEX IF NOT EXISTS alerts_community_id ON alerts (community, id)',
    'CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (completed_at, dispatched_at)',
    'CREATE UNIQUE INDEX IF NOT EXISTS outbox_once ON outbox (kind, ref_id)',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from backend.delivery.tables import Delivery

        for sql in STATEMENTS:
            await Delivery.raw(sql)

    manager.add_raw(run)
    return manager
