"""The keys in a backup (backend/ops/backup.py, called directly on SQLite files): the VAPID key
always; the generated secret_key of an instance without a configured one (activation codes are
HMACs with it), never a configured one; a different key already in the fresh instance is kept
beside the restored one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backend.ops.backup import BackupError, backup, restore
from backend.settings import Settings


def instance(root: Path, **values: str) -> Settings:
    root.mkdir(parents=True, exist_ok=True)
    return Settings(database_url=f"sqlite:///{root / 'vigie.db'}", var_dir=str(root),
                    vapid_private_key_file=str(root / "vapid.pem"), **values)


def populated(settings: Settings, root: Path) -> None:
    with sqlite3.connect(root / "vigie.db") as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO users (email) VALUES ('odette@example.fr')")
    (root / "vapid.pem").write_text("old-instance-vapid")
    (root / "media" / "gazette").mkdir(parents=True)
    (root / "media" / "gazette" / "a.jpg").write_bytes(b"\xff\xd8photo")


async def test_the_generated_secret_key_travels_and_a_configured_one_does_not(tmp_path: Path) -> None:
    small = instance(tmp_path / "small")
    populated(small, tmp_path / "small")
    (tmp_path / "small" / "secret_key").write_text("generated-secret-of-the-small-install")
    manifest = await backup(small, tmp_path / "b1")
    assert manifest["secret_key"] == "secret_key" and manifest["vapid"] == "vapid_private.pem"

    fresh = instance(tmp_path / "fresh")
    (tmp_path / "fresh" / "vapid.pem").write_text("key-made-by-vigie-vapid-on-the-fresh-host")
    await restore(fresh, tmp_path / "b1")
    assert (tmp_path / "fresh" / "secret_key").read_text() == "generated-secret-of-the-small-install"
    assert (tmp_path / "fresh" / "vapid.pem").read_text() == "old-instance-vapid"
    assert (tmp_path / "fresh" / "vapid.pem.before-restore").read_text() == "key-made-by-vigie-vapid-on-the-fresh-host"
    assert (tmp_path / "fresh" / "media" / "gazette" / "a.jpg").read_bytes() == b"\xff\xd8photo"
    with sqlite3.connect(tmp_path / "fresh" / "vigie.db") as conn:
        assert conn.execute("SELECT email FROM users").fetchall() == [("odette@example.fr",)]

    configured = instance(tmp_path / "prod", secret_key="configured-in-the-environment-" + "x" * 20)
    populated(configured, tmp_path / "prod")
    (tmp_path / "prod" / "secret_key").write_text("stale file, not the key in use")
    manifest = await backup(configured, tmp_path / "b2")
    assert "secret_key" not in manifest and not (tmp_path / "b2" / "secret_key").exists()


async def test_restore_refuses_media_files_and_a_folder_that_is_not_a_backup(tmp_path: Path) -> None:
    source = instance(tmp_path / "source")
    populated(source, tmp_path / "source")
    await backup(source, tmp_path / "b")
    fresh = instance(tmp_path / "fresh")
    (tmp_path / "fresh" / "media").mkdir()
    (tmp_path / "fresh" / "media" / "left.jpg").write_bytes(b"x")
    with pytest.raises(BackupError, match="médias"):
        await restore(fresh, tmp_path / "b")
    assert not (tmp_path / "fresh" / "vigie.db").exists() and not (tmp_path / "fresh" / "vapid.pem").exists()
    with pytest.raises(BackupError, match="pas une sauvegarde"):
        await restore(fresh, tmp_path / "source")
    with pytest.raises(BackupError, match="autre sorte de base"):
        await restore(fresh.with_(database_url="postgresql://vigie@127.0.0.1:1/vigie"), tmp_path / "b")
