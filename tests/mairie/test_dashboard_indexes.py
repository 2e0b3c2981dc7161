"""The mairie dashboard's reads that the network's size made slow are answered from their partial
indexes (bench/scale.py: a sequential scan of every subscription, of every alert, before), on both
database engines. The planners of the test's tiny tables may prefer another path: PostgreSQL is
asked with sequential scans off and the table's other plain indexes dropped in a transaction rolled
back (a scan, or a whole unique index, is then left only when this index cannot answer), SQLite
with `INDEXED BY` (an error when the index cannot answer the query)."""

from __future__ import annotations

from typing import Any

import pytest

from piccolo.engine.postgres import PostgresEngine

from backend.alerts.tables import Alert
from backend.mairie.dashboard import SILENT_SQL
from backend.mairie.liaison import AWAITING_SQL


class _RolledBack(Exception):
    pass


async def plan(engine: Any, index: str, table: str, sql: str, *args: Any) -> str:
    if isinstance(engine, PostgresEngine):
        # Tables left by earlier tests give the planner other cheap paths (the alerts' community
        # index): inside a transaction rolled back, the table keeps only its pkey, its constraints'
        # indexes and the one under test.
        name = table.split()[0]
        rows: list[dict[str, Any]] = []
        try:
            async with engine.transaction():
                await Alert.raw("SET LOCAL enable_seqscan = off")
                for r in await Alert.raw(
                        "SELECT indexname FROM pg_indexes WHERE tablename = {} AND indexname != {} "
                        "AND indexname NOT IN (SELECT conname FROM pg_constraint)", name, index):
                    await Alert.raw(f'DROP INDEX "{r["indexname"]}"')
                rows = await Alert.raw("EXPLAIN " + sql, *args)
                raise _RolledBack
        except _RolledBack:
            pass
        return "\n".join(r["QUERY PLAN"] for r in rows)
    forced = sql.replace(f"FROM {table} ", f"FROM {table} INDEXED BY {index} ")
    assert forced != sql
    rows = await Alert.raw("EXPLAIN QUERY PLAN " + forced, *args)
    return "\n".join(r["detail"] for r in rows)


async def test_silent_devices_are_read_from_their_partial_index(fx_engine):
    assert "push_subscriptions_silent" in await plan(fx_engine, "push_subscriptions_silent", "push_subscriptions s",
                                                    SILENT_SQL, 1)


async def test_forwarded_alerts_awaiting_are_read_from_their_partial_index(fx_engine):
    assert "alerts_forwarded" in await plan(fx_engine, "alerts_forwarded", "alerts a", AWAITING_SQL, 1)


async def test_members_per_community_read_per_community_on_postgresql_count_as_the_grouped_query(
        fx_engine, fx_password_hash):
    if not isinstance(fx_engine, PostgresEngine):
        pytest.skip("the LATERAL form is PostgreSQL's")
    from datetime import timedelta

    from backend.communities.tables import Membership
    from backend.lib import clock
    from backend.lib.sql import raw
    from backend.mairie.dashboard import MEMBERS_SQL, MEMBERS_SQL_POSTGRES
    from tests.builders import build_world

    w = await build_world(fx_password_hash)
    members = await Membership.select(Membership.id).where(Membership.community == w.community)
    await Membership.update({Membership.status: "left"}).where(Membership.id == members[0]["id"])
    await Membership.update({Membership.created_at: clock.now() - timedelta(days=40)}).where(
        Membership.id == members[1]["id"])
    since = clock.now() - timedelta(days=30)
    grouped = [dict(r) for r in await raw(Alert, MEMBERS_SQL, since, w.commune)]
    lateral = [dict(r) for r in await raw(Alert, MEMBERS_SQL_POSTGRES, since, w.commune)]
    assert lateral == grouped and len(grouped) >= 2
    mine = next(r for r in grouped if r["id"] == w.community)
    assert mine["members"] == len(members) - 1 and mine["signups"] == len(members) - 1  # the one who left, the old one
