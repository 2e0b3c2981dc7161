"""Two instances upgraded at once: `vigie migrate` started twice at the same moment on one fresh
PostgreSQL database applies each migration once and both runs succeed (an advisory lock in
backend/migrate.py makes the second wait for the first)."""

from __future__ import annotations

import asyncpg

from backend.settings import ROOT
from tests.ops.helpers import fresh_postgres_database, postgres_only, vigie_env, vigie_process


def committed_migrations() -> int:
    return sum(1 for p in (ROOT / "piccolo_migrations").rglob("*.py") if p.name != "__init__.py")


async def test_two_vigie_migrate_at_once_apply_each_migration_once(fx_database_url, tmp_path) -> None:
    postgres_only(fx_database_url)
    url = await fresh_postgres_database(fx_database_url)
    env = vigie_env(database_url=url, var_dir=tmp_path)
    logs = [open(tmp_path / f"migrate-{i}.log", "w+") for i in range(2)]
    runs = [vigie_process("migrate", env=env, log=log) for log in logs]
    codes = [run.wait(120) for run in runs]
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    assert codes == [0, 0], outputs
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT app_name, name, COUNT(*) AS n FROM migration GROUP BY app_name, name")
        tables = await conn.fetchval("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")
    finally:
        await conn.close()
    assert rows and all(r["n"] == 1 for r in rows), [tuple(r) for r in rows if r["n"] != 1]
    assert len(rows) == committed_migrations()
    assert tables > 20
    # One of the two applied everything, the other found the database up to date.
    last_lines = [out.strip().splitlines()[-1:] for out in outputs]
    assert sorted(line == ["Base de données à jour."] for line in last_lines) == [False, True], outputs
