"""SQLite databases from before AUTOINCREMENT are converted by `vigie migrate`, keeping every row,
index and reference; then ids are never reused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from backend.settings import ROOT
from tests.cli.test_vigie_command import vigie

OLD_VIGIE = """
import sys
import backend.migrate

async def as_before(engine):  # the code before ids were made AUTOINCREMENT
    return []

backend.migrate.never_reuse_ids = as_before
from backend.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update({"VIGIE_ENV": "test", "VIGIE_DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}", "VIGIE_VAR_DIR": str(tmp),
                "VIGIE_OUTBOX_DIR": str(tmp / "outbox"), "VIGIE_VAPID_PRIVATE_KEY_FILE": str(tmp / "vapid.pem"),
                "VIGIE_LOG_LEVEL": "WARNING"})
    return env


def snapshot(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as c:
        tables = [n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {
            "rows": {t: c.execute(f'SELECT * FROM "{t}" ORDER BY id').fetchall() for t in tables},
            "indexes": sorted(c.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")),
        }


def test_an_existing_database_is_converted_keeping_its_data_and_ids_are_never_reused(tmp_path):
    db = tmp_path / "cli.db"
    env = _env(tmp_path)

    def old(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", OLD_VIGIE, *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    assert old("migrate").returncode == 0
    assert (r := old("demo")).returncode == 0, r.stderr
    with sqlite3.connect(db) as c:
        assert "AUTOINCREMENT" not in c.execute("SELECT sql FROM sqlite_master WHERE name = 'users'").fetchone()[0]
        newest = c.execute("SELECT max(id) FROM users").fetchone()[0]
        c.execute("DELETE FROM users WHERE id = ?", (newest,))
        assert c.execute("SELECT count(*) FROM memberships").fetchone()[0] > 0
    before = snapshot(db)

    assert (r := vigie(tmp_path, "migrate")).returncode == 0, r.stderr
    after = snapshot(db)
    assert after["rows"] == before["rows"]
    assert after["indexes"] == before["indexes"]
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA foreign_keys = ON")
        plain = [n for n, sql in c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                 if '"id" INTEGER PRIMARY KEY' in sql and "AUTOINCREMENT" not in sql and n != "migration"]
        assert plain == []
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # references still cascade to the rebuilt tables
        someone = c.execute("SELECT \"user\" FROM memberships LIMIT 1").fetchone()[0]
        c.execute("DELETE FROM users WHERE id = ?", (someone,))
        assert c.execute("SELECT count(*) FROM memberships WHERE \"user\" = ?", (someone,)).fetchone()[0] == 0
        # the newest row deleted: the next one takes a new id
        newest = c.execute("SELECT max(id) FROM communes").fetchone()[0]
        c.execute("DELETE FROM communes WHERE id = ?", (newest,))
        c.execute("INSERT INTO communes (insee_code, name) VALUES ('99999', 'Nouvelle')")
        assert c.execute("SELECT max(id) FROM communes").fetchone()[0] == newest + 1

    again = vigie(tmp_path, "migrate")  # nothing left to convert
    assert again.returncode == 0 and snapshot(db)["indexes"] == before["indexes"]
