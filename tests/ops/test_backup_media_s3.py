"""Backups with the photos in an S3 bucket (media_storage = "s3"): `backup` downloads every object
into the backup's `media/` folder, `restore` puts them into the fresh instance's bucket (or its
local folder: the layout is the same), refuses a bucket that holds files unless forced, and a
forced restore leaves the backup's files, no more. Against the local S3-compatible server."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from backend.ops.backup import BackupError, backup, restore
from backend.settings import Settings
from tests.fixtures.s3_server import fx_s3  # noqa: F401  (fixture)

JPEG = b"\xff\xd8" + bytes(range(256)) * 300
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 "


def instance(root: Path, **values: Any) -> Settings:
    root.mkdir(parents=True, exist_ok=True)
    return Settings(database_url=f"sqlite:///{root / 'vigie.db'}", var_dir=str(root),
                    vapid_private_key_file=str(root / "vapid.pem"), **values)


def populate(root: Path) -> None:
    with sqlite3.connect(root / "vigie.db") as conn:
        conn.execute("CREATE TABLE gazette_photos (id INTEGER PRIMARY KEY, file_name TEXT)")
        conn.execute("INSERT INTO gazette_photos (file_name) VALUES ('a.jpg'), ('b.webp')")


async def test_photos_in_a_bucket_are_backed_up_and_restored_into_a_bucket_or_a_folder(fx_s3: Any,
                                                                                        tmp_path: Path) -> None:
    source_bucket = fx_s3.new_bucket()
    source = instance(tmp_path / "source", **fx_s3.settings(source_bucket, prefix="vigie/"))
    populate(tmp_path / "source")
    client = fx_s3.client()
    client.put_object(Bucket=source_bucket, Key="vigie/gazette/a.jpg", Body=JPEG, ContentType="image/jpeg")
    client.put_object(Bucket=source_bucket, Key="vigie/gazette/b.webp", Body=WEBP, ContentType="image/webp")
    client.put_object(Bucket=source_bucket, Key="elsewhere/not-vigie.txt", Body=b"x")

    manifest = await backup(source, tmp_path / "backup")
    assert manifest["media"] == {"folder": "media", "files": 2, "from": "s3"}
    assert (tmp_path / "backup" / "media" / "gazette" / "a.jpg").read_bytes() == JPEG
    assert (tmp_path / "backup" / "media" / "gazette" / "b.webp").read_bytes() == WEBP

    # Into a fresh instance with its own bucket.
    target_bucket = fx_s3.new_bucket()
    target = instance(tmp_path / "target", **fx_s3.settings(target_bucket))
    await restore(target, tmp_path / "backup")
    assert fx_s3.objects(target_bucket) == {"gazette/a.jpg": JPEG, "gazette/b.webp": WEBP}
    head = client.head_object(Bucket=target_bucket, Key="gazette/b.webp")
    assert head["ContentType"] == "image/webp"

    # A bucket that holds files is refused, nothing changed; forced, it holds the backup's files only.
    client.put_object(Bucket=target_bucket, Key="gazette/stray.jpg", Body=b"stray")
    sqlite3.connect(tmp_path / "target" / "vigie.db").execute("DELETE FROM gazette_photos").connection.commit()
    with pytest.raises(BackupError, match=f"compartiment S3 {target_bucket}"):
        await restore(target, tmp_path / "backup")
    assert "gazette/stray.jpg" in fx_s3.objects(target_bucket)
    await restore(target, tmp_path / "backup", force=True)
    assert fx_s3.objects(target_bucket) == {"gazette/a.jpg": JPEG, "gazette/b.webp": WEBP}

    # Into a one-host instance: the same files in its media folder.
    local = instance(tmp_path / "local")
    await restore(local, tmp_path / "backup")
    assert (tmp_path / "local" / "media" / "gazette" / "a.jpg").read_bytes() == JPEG
    assert (tmp_path / "local" / "media" / "gazette" / "b.webp").read_bytes() == WEBP


async def test_a_local_backup_restores_into_a_bucket(fx_s3: Any, tmp_path: Path) -> None:
    """Moving from one host to two: back up the folder, restore into the bucket."""
    one_host = instance(tmp_path / "one")
    populate(tmp_path / "one")
    (tmp_path / "one" / "media" / "gazette").mkdir(parents=True)
    (tmp_path / "one" / "media" / "gazette" / "a.jpg").write_bytes(JPEG)
    (tmp_path / "one" / "media" / "gazette" / ".b.jpg.part").write_bytes(b"half a file")  # never copied
    assert (await backup(one_host, tmp_path / "backup"))["media"]["files"] == 1

    bucket = fx_s3.new_bucket()
    await restore(instance(tmp_path / "two", **fx_s3.settings(bucket, prefix="vigie/")), tmp_path / "backup")
    assert fx_s3.objects(bucket) == {"vigie/gazette/a.jpg": JPEG}
