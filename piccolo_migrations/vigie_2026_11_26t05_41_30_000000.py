"""Composite unique indexes piccolo cannot declare on a column (hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T05:41:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (user, community) memberships and (user, commune) staff"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS memberships_user_community_uniq ON memberships (user, community)",
    "CREATE UNIQUE INDEX IF NOT EXISTS mairie_staff_user_commune_uniq ON mairie_staff (user, commune)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from backend.communities.tables import Membership

        for sql in STATEMENTS:
            await Membership.raw(sql.replace("(user,", '("user",'))

    manager.add_raw(run)
    return manager
