"""`vigie backup <dir>` and `vigie restore <dir>`: the database, the VAPID key and the media.

A backup folder holds:

- `vigie.db` (SQLite, written with the online backup API: consistent while the API and the
  workers keep writing) or `vigie.pgdump` (PostgreSQL, `pg_dump --format=custom`);
- `vapid_private.pem`: the push key; without it every browser subscription is lost;
- `media/`: the uploaded photos (Gazette), one file per storage key (backend.lib.storage), copied
  from the local `media_dir` or downloaded from the S3 bucket; restored into either kind;
- `secret_key`: only when the instance has no configured `secret_key` and uses the one
  generated into `var/` (`vigie run`, small installs): activation codes are HMACs with it.
  A configured `secret_key` (production: VIGIE_SECRET_KEY) is not written into backups: keep
  it with them;
- `manifest.json`: what is there, for `restore`.

Valkey is not in it: sessions (people log in again) and queues (the outbox hands pending work
over again) are rebuilt; see docs/operations.md. `restore` goes into a fresh instance: it
refuses a database that holds data, or a media storage (folder or bucket) that holds files, unless `force`.
"""

from __future__ import annotations

import glob
import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from backend.lib.storage import MediaStorage, make_storage, media_type_of
from backend.settings import ROOT, Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "vigie.db"
PG_FILE = "vigie.pgdump"
VAPID_FILE = "vapid_private.pem"
SECRET_FILE = "secret_key"  # the generated one, under var_dir (backend.app.ensure_secret_key)
MEDIA = "media"


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message (French) says why, for the operator."""


def is_postgres(settings: Settings) -> bool:
    return settings.database_url.startswith(("postgres://", "postgresql://"))


def sqlite_path(settings: Settings) -> Path:
    url = settings.database_url
    if not url.startswith("sqlite:///"):
        raise BackupError(f"Base de données non prise en charge : {url!r}")
    path = Path(url[len("sqlite:///"):])
    return path if path.is_absolute() else ROOT / path


def pg_tool(name: str) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest /usr/lib/postgresql/*/bin (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()], reverse=True)
    if versions:
        return versions[0]
    raise BackupError(f"{name} introuvable : installez postgresql-client (apt install postgresql-client).")


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} a échoué ({result.returncode}) :\n{result.stderr.strip()}")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


# Backup -----------------------------------------------------------------------------------------

async def backup(settings: Settings, target: Path) -> dict[str, Any]:
    """Write a backup of `settings`' instance into `target` (absent or empty); its manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"Le dossier {target} n'est pas vide : choisissez un nouveau dossier.")
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if is_postgres(settings):
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", f"--file={target / PG_FILE}",
              f"--dbname={settings.database_url}"])
        manifest["database"] = {"engine": "postgresql", "file": PG_FILE}
    else:
        source = sqlite_path(settings)
        if not source.exists():
            raise BackupError(f"Base SQLite introuvable : {source}")
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target / SQLITE_FILE)
        try:
            src.backup(dst)  # page by page, consistent even while others write
        finally:
            dst.close()
            src.close()
        manifest["database"] = {"engine": "sqlite", "file": SQLITE_FILE}
    vapid = settings.path(settings.vapid_private_key_file)
    if vapid.exists():
        shutil.copy2(vapid, target / VAPID_FILE)
        (target / VAPID_FILE).chmod(0o600)
        manifest["vapid"] = VAPID_FILE
    generated = settings.var_path / SECRET_FILE
    if not settings.secret_key and generated.exists():
        shutil.copy2(generated, target / SECRET_FILE)
        (target / SECRET_FILE).chmod(0o600)
        manifest["secret_key"] = SECRET_FILE
    storage = make_storage(settings)
    try:
        count = await _media_out(storage, target / MEDIA)
    finally:
        await storage.close()
    manifest["media"] = {"folder": MEDIA, "files": count, "from": storage.kind}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


# Restore ----------------------------------------------------------------------------------------

async def database_has_data(settings: Settings) -> bool:
    """Whether any table of the target database holds a row (piccolo's `migration` table aside:
    a database only migrated is still fresh)."""
    if is_postgres(settings):
        # lazy: only PostgreSQL databases need asyncpg
        import asyncpg

        conn = await asyncpg.connect(settings.database_url)
        try:
            tables = [r["table_name"] for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE'")]
            for table in tables:
                if table != "migration" and await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
                    return True
            return False
        finally:
            await conn.close()
    path = sqlite_path(settings)
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(t not in ("migration", "sqlite_sequence") and conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
                   for t in tables)
    finally:
        conn.close()


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{source} n'est pas une sauvegarde de Vigie (pas de {MANIFEST} lisible).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')!r}.")
    return manifest


async def restore(settings: Settings, source: Path, force: bool = False) -> dict[str, Any]:
    """Put the backup in `source` into `settings`' instance; its manifest. Nothing is changed when
    the instance holds data (database rows or media files) and `force` is false."""
    manifest = read_manifest(source)
    engine = manifest["database"]["engine"]
    if engine != ("postgresql" if is_postgres(settings) else "sqlite"):
        raise BackupError(f"Cette sauvegarde est une base {engine} ; database_url désigne une autre sorte de base.")
    storage = make_storage(settings)
    try:
        return await _restore(settings, storage, source, manifest, force)
    finally:
        await storage.close()


async def _restore(settings: Settings, storage: MediaStorage, source: Path, manifest: dict[str, Any],
                   force: bool) -> dict[str, Any]:
    engine = manifest["database"]["engine"]
    if not force:
        if await database_has_data(settings):
            raise BackupError("La base de destination contient déjà des données : restauration refusée "
                              "(--force pour l'écraser).")
        if await storage.keys():
            where = settings.media_path if storage.kind == "local" else f"le compartiment S3 {settings.s3_bucket}"
            raise BackupError(f"Le stockage des médias ({where}) contient déjà des fichiers : restauration refusée "
                              "(--force pour l'écraser).")
    dump = source / manifest["database"]["file"]
    if engine == "postgresql":
        _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
              "--exit-on-error", f"--dbname={settings.database_url}", str(dump)])
    else:
        _restore_sqlite(dump, sqlite_path(settings))
    if manifest.get("vapid"):
        _put_key(source / VAPID_FILE, settings.path(settings.vapid_private_key_file))
    if manifest.get("secret_key") and not settings.secret_key:
        _put_key(source / SECRET_FILE, settings.var_path / SECRET_FILE)
    await _media_in(storage, source / MEDIA)
    return manifest


async def _media_out(storage: MediaStorage, folder: Path) -> int:
    """Every stored file into `folder`, one file per key; how many."""
    keys = await storage.keys()
    for key in keys:
        stored = await storage.open(key)
        if stored is None:  # removed meanwhile (its post was deleted): nothing to keep
            continue
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            async for chunk in stored.chunks:
                out.write(chunk)
    return len(_files(folder))


async def _media_in(storage: MediaStorage, folder: Path) -> None:
    """Put every backed-up file into the storage; files it held that the backup has not are removed
    (a forced restore gives the backup's media, no more)."""
    backed_up = [p.relative_to(folder).as_posix() for p in _files(folder)]
    for key in backed_up:
        await storage.put(key, (folder / key).read_bytes(), media_type_of(key))
    extra = sorted(set(await storage.keys()) - set(backed_up))
    await storage.delete(extra)


def _put_key(backed_up: Path, path: Path) -> None:
    """Write a key file from the backup; a different key already there is kept beside it
    as `<name>.before-restore`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() != backed_up.read_bytes():
        shutil.copy2(path, path.with_name(path.name + ".before-restore"))
    shutil.copy2(backed_up, path)
    path.chmod(0o600)


def _restore_sqlite(dump: Path, path: Path) -> None:
    """Copy the backed-up file over the target with the backup API (a live target's readers see
    the old or the new database, never half of each); -wal and -shm follow."""
    path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(dump)
    dst = sqlite3.connect(path)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
