"""A SQLite database migrated once per test process, copied by the CLI tests whose subject is not the
migration (`migrated_copy`): each of them ran `vigie migrate` on a fresh file first, a process that
applies every migration anew (~2.5 s). `vigie migrate` itself stays tested on fresh files
(test_vigie_command.py, test_sqlite_ids.py, tests/ops/test_migrate_once.py, tests/ops/test_backup_restore.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.test_vigie_command import vigie


@pytest.fixture(scope="session")
def fx_migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file a fresh `vigie migrate` left (the process has ended: its WAL is merged and gone)."""
    folder = tmp_path_factory.mktemp("migrated")
    done = vigie(folder, "migrate")
    assert done.returncode == 0, done.stderr
    database = folder / "cli.db"
    assert database.exists() and not Path(f"{database}-wal").exists(), sorted(p.name for p in folder.iterdir())
    return database


def migrated_copy(template: Path, to: Path) -> None:
    """Put a copy of the migrated database at `to`, as `vigie migrate` would have left it there."""
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, to)
