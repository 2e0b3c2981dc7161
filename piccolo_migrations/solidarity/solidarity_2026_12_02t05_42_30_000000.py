"""Check-ins set up before the person's own confirmation existed (hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T05:42:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "running check-ins set up by a referent wait for the person's confirmation; one's own set-up is it"

STATEMENTS = [
    # A referent's declaration alone no longer lets a check-in run nor share hidden contact data.
    "UPDATE checkins SET person_confirmation = 'pending' "
    "WHERE consent_method <> 'app' AND confirmed_at IS NULL",
    "UPDATE checkins SET confirmed_at = consent_at, confirmed_via = 'app' "
    "WHERE consent_method = 'app' AND confirmed_at IS NULL",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="solidarity", description=DESCRIPTION)

    async def run():
        from backend.checkins.tables import Checkin

        for sql in STATEMENTS:
            await Checkin.raw(sql)

    manager.add_raw(run)
    return manager
