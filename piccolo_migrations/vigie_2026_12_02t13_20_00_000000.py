"""memberships (community, status, created_at): members per community read from the index.

Hand-written, raw SQL. bench/scale.py's database (300,000 members): the mairie dashboard's
members per community of a commune of 1,851 communities read every membership of the network
(a sequential scan of 300,000 rows, 256 ms at load ~15) without it, the commune's 18,889 from
this index with it (132 ms at the same load). The directory and the fan-out's recipients filter on
the same (community, status).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T13:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "memberships (community, status, created_at): the dashboard reads a commune's members, not the network's"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from backend.communities.tables import Membership

        await Membership.raw(
            "CREATE INDEX IF NOT EXISTS memberships_community_status ON memberships (community, status, created_at)")

    manager.add_raw(run)
    return manager
