"""Backups that restore (issue 13, point 5): `vigie backup` of a populated instance (members,
alerts, a Gazette photo, the VAPID key), `vigie restore` refused over data, then into a fresh
instance where a `vigie serve` shows every member, alert and photo — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from backend.db import is_postgres_url
from backend.devtools.loopback import free_port
from backend.settings import Settings
from tests.builders import build_world
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import server_env
from tests.gazette.helpers import encoded, files, new_post, picture
from tests.ops.helpers import fresh_postgres_database, stop, vigie, vigie_process
from tests.ops.test_several_instances import HttpApi

SNAPSHOT = {
    "users": "SELECT id, email, first_name, last_name FROM users ORDER BY id",
    "alerts": "SELECT id, title, body FROM alerts ORDER BY id",
    "photos": "SELECT id, post, file_name, size_bytes FROM gazette_photos ORDER BY id",
    "memberships": "SELECT id, user, community, status FROM memberships ORDER BY id",
}


async def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows the test compares, read without the app (raw SQL on either engine)."""
    if is_postgres_url(url):
        conn = await asyncpg.connect(url)
        try:
            return {k: [tuple(r) for r in await conn.fetch(q.replace(" user,", ' "user",'))]
                    for k, q in SNAPSHOT.items()}
        finally:
            await conn.close()
    conn = sqlite3.connect(url[len("sqlite:///"):])
    try:
        return {k: [tuple(r) for r in conn.execute(q.replace(" user,", ' "user",'))] for k, q in SNAPSHOT.items()}
    finally:
        conn.close()


async def serve_until_healthy(env: dict[str, str], log: Any) -> tuple[Any, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = vigie_process("serve", env={**env, "VIGIE_PORT": str(port), "VIGIE_BASE_URL": url}, log=log)
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            assert proc.poll() is None, "the restored instance's vigie serve exited"
            try:
                if (await http.get(url + "/api/v1/health")).status_code == 200:
                    return proc, url
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the restored instance never answered"
            await asyncio.sleep(0.2)


async def test_a_backup_restored_into_a_fresh_instance_has_every_member_alert_and_photo(
        api, fx_app, fx_settings: Settings, fx_password_hash: str, tmp_path: Path) -> None:
    # A populated instance: the world of the guard matrix (members, an alert), a Gazette post with a photo.
    world = await build_world(fx_password_hash)
    member = await api.as_user(world.email("member"))
    post = await new_post(member, world.community, "news")
    r = await member.post(f"/api/v1/gazette/posts/{post['id']}/photos",
                          files=files(("fete.jpg", encoded(picture((800, 600)), "JPEG"), "image/jpeg")))
    assert r.status_code == 201, r.text
    [photo] = r.json()["photos"]
    original = (await member.get(photo["url"])).content
    assert original[:2] == b"\xff\xd8"
    source_env = server_env(fx_settings, 0, VIGIE_RUN_WORKERS_IN_PROCESS="false")
    assert vigie("vapid", env=source_env).returncode == 0
    before = await snapshot(fx_settings.database_url)
    assert before["users"] and before["alerts"] and len(before["photos"]) == 1

    done = vigie("backup", str(tmp_path / "backup"), env=source_env)
    assert done.returncode == 0, done.stderr
    assert "Sauvegarde écrite" in done.stdout
    again = vigie("backup", str(tmp_path / "backup"), env=source_env)
    assert again.returncode == 2 and "n'est pas vide" in again.stderr

    # Over an instance that holds data: refused, nothing changed.
    refused = vigie("restore", str(tmp_path / "backup"), env=source_env)
    assert refused.returncode == 2 and "contient déjà des données" in refused.stderr, refused.stderr
    assert await snapshot(fx_settings.database_url) == before

    # A fresh instance (another database, var folder, key and media), migrated as an operator would.
    if is_postgres_url(fx_settings.database_url):
        target_db = await fresh_postgres_database(fx_settings.database_url, "vigie_restored")
    else:
        target_db = f"sqlite:///{tmp_path / 'restored.db'}"
    target = tmp_path / "restored-var"
    target_env = {**source_env, "VIGIE_DATABASE_URL": target_db, "VIGIE_VAR_DIR": str(target),
                  "VIGIE_VAPID_PRIVATE_KEY_FILE": str(target / "vapid.pem"),
                  "VIGIE_VALKEY_URL": fx_settings.valkey_url.rsplit("/", 1)[0] + "/2"}
    assert vigie("migrate", env=target_env).returncode == 0
    restored = vigie("restore", str(tmp_path / "backup"), env=target_env)
    assert restored.returncode == 0, restored.stderr
    assert vigie("migrate", env=target_env).returncode == 0  # nothing to apply, nothing broken

    assert await snapshot(target_db) == before
    assert (target / "vapid.pem").read_bytes() == fx_settings.path(fx_settings.vapid_private_key_file).read_bytes()
    # A second restore over the restored data is refused too, unless forced.
    assert vigie("restore", str(tmp_path / "backup"), env=target_env).returncode == 2
    forced = vigie("restore", "--force", str(tmp_path / "backup"), env=target_env)
    assert forced.returncode == 0, forced.stderr
    assert await snapshot(target_db) == before

    # The restored instance serves them: the member logs in, reads the alert and the photo.
    with open(tmp_path / "restored-serve.log", "w") as log:
        proc, url = await serve_until_healthy(target_env, log)
        client = HttpApi(url)
        try:
            await client.login(world.email("member"), TEST_PASSWORD)
            alert = await client.get(f"/api/v1/alerts/{world.alert}")
            assert alert.status_code == 200 and alert.json()["title"] == "Camionnette blanche", alert.text
            served = await client.get(photo["url"])
            assert served.status_code == 200 and served.content == original
        finally:
            await client.aclose()
            stop(proc, 20)
