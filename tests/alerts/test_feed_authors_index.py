"""On PostgreSQL the feed reads its authors' names from `users_names` (id) INCLUDE (first_name,
last_name), without visiting users' heap pages (bench/scale.py: ~60 pages of wide rows for the
authors of one 2,000-member community). Asked as tests/mairie/test_dashboard_indexes.py asks: sequential
scans off and users' other plain indexes dropped in a transaction rolled back; the table vacuumed
first, as PostgreSQL's autovacuum keeps a table read far more than it is written."""

from __future__ import annotations

import pytest
from piccolo.engine.postgres import PostgresEngine

from backend.alerts import service
from backend.alerts.tables import Alert
from tests.builders import build_world
from tests.mairie.test_dashboard_indexes import plan

FEED_SQL = (service._SELECT_SQL + " WHERE a.community = {} AND a.moderation IN ('pending', 'approved') "
            "ORDER BY a.id DESC LIMIT {}")


async def test_feed_authors_are_read_from_the_names_index_on_postgresql(fx_engine, fx_password_hash):
    if not isinstance(fx_engine, PostgresEngine):
        pytest.skip("SQLite reads a user by its rowid: the row is the lookup, no INCLUDE there")
    w = await build_world(fx_password_hash)
    await Alert.raw("VACUUM ANALYZE users")
    explained = await plan(fx_engine, "users_names", "users u", FEED_SQL, w.community, 51)
    assert "Index Only Scan using users_names on users u" in explained, explained
