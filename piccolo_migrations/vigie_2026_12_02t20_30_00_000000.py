"""Two partial indexes for the mairie dashboard at the network's size.

Hand-written, raw SQL (partial indexes mean the same on SQLite and PostgreSQL). bench/scale.py's
database (300,000 members, 75,096 alerts; Grandville: 5,275 communities), EXPLAIN ANALYZE at load ~7:

- `push_subscriptions_silent` (user) WHERE silent_since IS NOT NULL: the dashboard's silent devices
  read every subscription of the network (a sequential scan of 224,879 rows, 48–57 ms) to find the
  handful flagged; 0.03 ms from this index.
- `alerts_forwarded` (community) WHERE notify_mairie OR notify_police: the forwarded alerts not yet
  acknowledged read every alert of the network (75,096, 52–94 ms); the ~7,500 forwarded ones from
  this index (16–28 ms).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T20:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial indexes: silent push subscriptions, forwarded alerts (the mairie dashboard)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from backend.alerts.tables import Alert

        await Alert.raw('CREATE INDEX IF NOT EXISTS push_subscriptions_silent ON push_subscriptions ("user") '
                        "WHERE silent_since IS NOT NULL")
        await Alert.raw("CREATE INDEX IF NOT EXISTS alerts_forwarded ON alerts (community) "
                        "WHERE notify_mairie OR notify_police")

    manager.add_raw(run)
    return manager
