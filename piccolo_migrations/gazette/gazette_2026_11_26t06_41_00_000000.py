"""Composite unique indexes of the Gazette (hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T06:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one RSVP, one ride request, one report per person and post; list index"

STATEMENTS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS gazette_rsvps_once ON gazette_rsvps (post, "user")',
    'CREATE UNIQUE INDEX IF NOT EXISTS gazette_ride_requests_once ON gazette_ride_requests (post, "user")',
    'CREATE UNIQUE INDEX IF NOT EXISTS gazette_reports_once ON gazette_reports (post, reporter)',
    'CREATE UNIQUE INDEX IF NOT EXISTS gazette_post_communities_once ON gazette_post_communities (post, community)',
    'CREATE INDEX IF NOT EXISTS gazette_posts_community_id ON gazette_posts (community, id)',
    'CREATE INDEX IF NOT EXISTS gazette_posts_commune_kind ON gazette_posts (commune, kind, id)',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gazette", description=DESCRIPTION)

    async def run():
        from backend.gazette.tables import GazettePost

        for sql in STATEMENTS:
            await GazettePost.raw(sql)

    manager.add_raw(run)
    return manager
