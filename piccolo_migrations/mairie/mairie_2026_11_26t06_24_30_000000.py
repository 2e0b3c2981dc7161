"""Composite indexes of the mairie service (hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T06:24:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "one SMS spend row per broadcast or check; one answer per person and check; area lookups"

STATEMENTS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS mairie_sms_spend_once ON mairie_sms_spend (ref_kind, ref_id)',
    'CREATE INDEX IF NOT EXISTS mairie_sms_spend_month ON mairie_sms_spend (commune, month)',
    'CREATE UNIQUE INDEX IF NOT EXISTS mairie_safety_answers_once ON mairie_safety_answers (safety_check, "user")',
    'CREATE UNIQUE INDEX IF NOT EXISTS mairie_areas_once ON mairie_areas (ref_kind, ref_id, community)',
    'CREATE INDEX IF NOT EXISTS mairie_broadcasts_commune_id ON mairie_broadcasts (commune, id)',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="mairie", description=DESCRIPTION)

    async def run():
        from backend.mairie.tables import Broadcast

        for sql in STATEMENTS:
            await Broadcast.raw(sql)

    manager.add_raw(run)
    return manager
