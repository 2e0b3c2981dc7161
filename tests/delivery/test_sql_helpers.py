"""backend/lib/sql.py's plain-query path on the configured database (SQLite, or PostgreSQL with --db=postgres)."""

from __future__ import annotations

from typing import Any

import pytest

from backend import db
from backend.communities.tables import Commune
from backend.lib.piccolo_private import PlainQuery as _PlainQuery
from backend.lib.sql import bulk_insert, placeholders, raw, select_in


def test_placeholders_become_each_engines_own() -> None:
    query = _PlainQuery("SELECT {} AS a, {} AS b WHERE x IN ({})", [1, "two", 3.0])
    assert query.compile_string("sqlite") == ("SELECT ? AS a, ? AS b WHERE x IN (?)", [1, "two", 3.0])
    assert query.compile_string("postgres") == ("SELECT $1 AS a, $2 AS b WHERE x IN ($3)", [1, "two", 3.0])
    with pytest.raises(ValueError, match="2 placeholders for 3 arguments"):
        _PlainQuery("SELECT {}, {}", [1, 2, 3])


async def test_raw_bulk_insert_and_select_in_return_dicts_inside_and_outside_transactions(fx_engine: Any) -> None:
    rows = [(f"Commune {i}", f"{10000 + i}", f"{i:05d}", "", 0) for i in range(1200)]
    await bulk_insert(Commune, ["name", "postal_codes", "insee_code", "police_email", "sms_budget_monthly"], rows)
    found = await select_in(Commune, "SELECT name, insee_code FROM communes WHERE insee_code",
                            [f"{i:05d}" for i in range(0, 1200, 3)])
    assert sorted(r["insee_code"] for r in found) == [f"{i:05d}" for i in range(0, 1200, 3)]
    assert all(isinstance(r, dict) for r in found)
    async with db.write_transaction():
        changed = await raw(Commune, f"UPDATE communes SET name = {{}} WHERE insee_code IN ({placeholders(2)}) "
                                     "RETURNING insee_code", "Renommée", "00001", "00002")
        assert sorted(r["insee_code"] for r in changed) == ["00001", "00002"]
    try:  # run on the transaction's connection: rolled back with it
        async with db.write_transaction():
            await raw(Commune, "UPDATE communes SET name = {} WHERE insee_code = {}", "Annulée", "00003")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    names = {r["insee_code"]: r["name"] for r in await raw(
        Commune, f"SELECT insee_code, name FROM communes WHERE insee_code IN ({placeholders(3)})", "00001", "00002", "00003")}
    assert names == {"00001": "Renommée", "00002": "Renommée", "00003": "Commune 3"}
