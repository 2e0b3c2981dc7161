"""The `vigie backup` and `vigie restore` subcommands (registered in backend/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from backend.ops.backup import BackupError, backup, restore
from backend.settings import Settings


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="back the database, the VAPID key and the media up into a new folder")
    p.add_argument("folder")
    p = sub.add_parser("restore", help="restore a backup folder into a fresh instance")
    p.add_argument("folder")
    p.add_argument("--force", action="store_true", help="overwrite a database or media folder that holds data")


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    try:
        manifest = asyncio.run(backup(settings, Path(args.folder)))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Sauvegarde écrite dans {args.folder} : base {manifest['database']['engine']}, "
          f"clé VAPID {'incluse' if manifest.get('vapid') else 'absente'}, {manifest['media']['files']} média(s).")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    try:
        manifest = asyncio.run(restore(settings, Path(args.folder), force=args.force))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Sauvegarde du {manifest['created_at']} restaurée ({manifest['media']['files']} média(s)). "
          "Lancez `vigie migrate` si cette version de Vigie est plus récente que la sauvegarde.")
    return 0


HANDLERS = {"backup": cmd_backup, "restore": cmd_restore}
