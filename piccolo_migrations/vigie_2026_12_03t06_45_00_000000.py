"""The alerts feed's author names from an index on PostgreSQL: users_names (id) INCLUDE (first_name, last_name).

Hand-written, PostgreSQL only. The feed (backend/alerts/service.py `list_alerts`, 51 rows a page)
joins each alert's author for their names. At the network's size (bench/scale.py: 300,600 users, 31
to a heap page) that join was 51 probes of `users_pkey` each followed by a visit to a users heap
page: the authors of a 2,000-member community lie on ~60 pages of wide rows (e-mail, password
hash…), and 50 clients reading 16 communities touched ~1,000 such pages. With the names in the
index the join is an index-only scan (no heap page once the table is vacuumed): PostgreSQL's CPU a
feed query, 2,000 queries alternated five times, 155 → 130 µs on the small database, 175 → 130 µs
on the seed-scale one for one community read by every client, 225 → 170 µs for the 16 communities
of bench/scale.py's feed line (load ~4, medians).

SQLite has no INCLUDE and needs none: `users.id` is the rowid, the row itself is the lookup.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T06:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "users_names (id) INCLUDE (first_name, last_name) on PostgreSQL: the feed's authors index-only"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from piccolo.engine.postgres import PostgresEngine

        from backend.auth.tables import User

        if isinstance(User._meta.db, PostgresEngine):
            await User.raw("CREATE INDEX IF NOT EXISTS users_names ON users (id) INCLUDE (first_name, last_name)")

    manager.add_raw(run)
    return manager
