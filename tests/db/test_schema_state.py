"""The tables declare what the migrations create, so a regenerate keeps the no-duplicate rules.

`piccolo migrations new <app> --auto` compares the tables with the schema the committed
migrations add up to. When they agree it writes nothing; when a table declares less (a unique
constraint only a raw migration knew of), a regenerated schema would silently lose it.
"""

from __future__ import annotations

from typing import Any

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import AppConfig, Finder
from piccolo.constraints import Unique

from backend import apps, db
from backend.auth.tables import User
from backend.delivery.tables import Delivery, Outbox
from backend.demo import make_user


def app_configs() -> list[AppConfig]:
    """The apps as piccolo's own commands see them (piccolo_conf.py's registry)."""
    return Finder().get_app_configs()


def declared_uniques() -> list[tuple[str, str, tuple[str, ...]]]:
    """(table, constraint name, columns) of every piccolo `Unique` the tables declare."""
    return [
        (table._meta.tablename, constraint._meta.name, tuple(constraint.get_column_names()))
        for table in apps.all_tables()
        for constraint in table._meta.constraints
        if isinstance(constraint, Unique)
    ]


@pytest.mark.parametrize("app_name", [config.app_name for config in app_configs()])
async def test_auto_migration_of_each_app_finds_nothing_to_change(app_name: str) -> None:
    config = next(c for c in app_configs() if c.app_name == app_name)
    groups = await AutoMigrationManager(auto_input="n").get_alter_statements(app_config=config)
    statements = [statement for group in groups for statement in group.statements]
    assert statements == [], f"`piccolo migrations new {app_name} --auto` would write:\n" + "\n".join(statements)


def test_the_no_duplicate_send_rules_are_declared_on_the_tables() -> None:
    uniques = {(table, columns) for table, _, columns in declared_uniques()}
    assert ("deliveries", ("kind", "ref_id", "user", "channel")) in uniques
    assert ("outbox", ("kind", "ref_id")) in uniques
    assert ("alerts", ("author", "idempotency_key")) in uniques
    assert len(uniques) >= 19


async def _unique_column_sets(engine: Any, table: str) -> dict[str, tuple[str, ...]]:
    """Name -> columns of the unique indexes (SQLite) or UNIQUE constraints (PostgreSQL) of `table`."""
    if db.is_sqlite():
        out = {}
        for index in await engine.run_ddl(f'PRAGMA index_list("{table}")'):
            if index["unique"] and not index["partial"]:
                columns = await engine.run_ddl(f'PRAGMA index_info("{index["name"]}")')
                out[index["name"]] = tuple(c["name"] for c in sorted(columns, key=lambda c: c["seqno"]))
        return out
    rows = await engine.run_ddl(
        "SELECT c.conname AS name, a.attname AS column, k.ord FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid "
        "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        f"WHERE c.contype = 'u' AND t.relname = '{table}' ORDER BY c.conname, k.ord"
    )
    out: dict[str, tuple[str, ...]] = {}
    for row in rows:
        out[row["name"]] = (*out.get(row["name"], ()), row["column"])
    return out


async def test_every_declared_unique_is_enforced_by_the_migrated_database(fx_engine: Any) -> None:
    missing = []
    for table, name, columns in declared_uniques():
        found = await _unique_column_sets(fx_engine, table)
        if found.get(name) != columns:
            missing.append(f"{table}.{name} {columns}: database has {found}")
    assert missing == []


async def test_a_second_delivery_for_the_same_recipient_channel_and_notice_is_refused(fx_engine: Any) -> None:
    user = await make_user("unique@test.vigie.fr", "Una", "Test", password_hash="x")
    row = dict(kind="alert", ref_id=41, user=user, channel="push")
    await Delivery.insert(Delivery(**row)).run()
    with pytest.raises(Exception) as refused:
        await Delivery.insert(Delivery(**row)).run()
    assert "unique" in str(refused.value).lower() or "duplicate" in str(refused.value).lower()
    await Delivery.insert(Delivery(**{**row, "channel": "email"})).run()  # another channel is another send
    assert await Delivery.count().where(Delivery.user == user) == 2
    assert await User.count().where(User.id == user) == 1


async def test_a_second_outbox_row_for_the_same_notice_is_refused(fx_engine: Any) -> None:
    await Outbox.insert(Outbox(kind="fanout_alert", ref_id=7)).run()
    with pytest.raises(Exception) as refused:
        await Outbox.insert(Outbox(kind="fanout_alert", ref_id=7)).run()
    assert "unique" in str(refused.value).lower() or "duplicate" in str(refused.value).lower()
    assert await Outbox.count() == 1
