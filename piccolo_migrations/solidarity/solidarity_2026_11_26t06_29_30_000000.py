"""Composite unique indexes of the check-ins (hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T06:29:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "one round per check-in and period, one watcher row per person, one running check-in per person; history index"

STATEMENTS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS checkin_rounds_once ON checkin_rounds (checkin, period_date)',
    'CREATE UNIQUE INDEX IF NOT EXISTS checkin_watchers_once ON checkin_watchers (checkin, "user")',
    'CREATE INDEX IF NOT EXISTS checkin_events_checkin_id ON checkin_events (checkin, id)',
    'CREATE UNIQUE INDEX IF NOT EXISTS checkins_one_running ON checkins (person) WHERE stopped_at IS NULL',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="solidarity", description=DESCRIPTION)

    async def run():
        from backend.checkins.tables import Checkin

        for sql in STATEMENTS:
            await Checkin.raw(sql)

    manager.add_raw(run)
    return manager
