"""Delivery leases: the claiming worker, its lease, the last error (additive; hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T05:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "deliveries.worker, lease_until, last_error: claims carry a worker and a short renewed lease"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from piccolo.engine.postgres import PostgresEngine

        from backend.delivery.tables import Delivery

        postgres = isinstance(Delivery._meta.db, PostgresEngine)
        stamp = "TIMESTAMP WITH TIME ZONE" if postgres else "TIMESTAMPTZ"  # piccolo's converter key on SQLite
        for sql in (
            "ALTER TABLE deliveries ADD COLUMN worker VARCHAR(64) NOT NULL DEFAULT ''",
            f"ALTER TABLE deliveries ADD COLUMN lease_until {stamp} NULL DEFAULT NULL",
            "ALTER TABLE deliveries ADD COLUMN last_error VARCHAR(200) NOT NULL DEFAULT ''",
            # the takeover sweep reads the few rows in flight, never the whole table
            "CREATE INDEX IF NOT EXISTS deliveries_in_flight ON deliveries (state, lease_until)",
        ):
            await Delivery.raw(sql)

    manager.add_raw(run)
    return manager
