"""The `vigie` command: run, serve, worker, migrate, vapid, letters, demo, communes, user, backup, restore.

The long-running processes (`vigie serve`, `vigie worker`) are in `backend.ops.processes`; backup and
restore in `backend.ops.commands`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

from backend.ops import commands as ops
from backend.ops.processes import cmd_serve, cmd_worker
from backend.settings import ROOT, InvalidSetting, Settings, get_settings


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mail.log", "piccolo.engine.base"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def _with_db(settings: Settings, coro_factory):
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend import apps, db

    engine = apps.bind_engine(db.make_engine(settings))
    await db.start_engine(engine)
    try:
        return await coro_factory()
    finally:
        await db.stop_engine(engine)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend import apps, db
    from backend.migrate import migrate

    engine = apps.bind_engine(db.make_engine(settings))
    report = asyncio.run(migrate(engine, quiet=True))
    ran = report.count("[forwards]")
    print(f"Base de données à jour ({ran} migration(s) appliquée(s))." if ran else "Base de données à jour.")
    return 0


def cmd_vapid(settings: Settings, args: argparse.Namespace) -> int:
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend.delivery.channels.vapid import ensure_vapid_keys, public_key_b64

    path, created = ensure_vapid_keys(settings)
    print(("Clés VAPID créées : " if created else "Clés VAPID existantes : ") + str(path))
    print("Clé publique : " + public_key_b64(settings))
    return 0


def refuse_in_production(settings: Settings, command: str) -> bool:
    """`vigie run` and `vigie demo` are for one machine with public demo passwords: never in production."""
    if not settings.is_production:
        return False
    print(f"`vigie {command}` refuses to run with VIGIE_ENV=production: it seeds demo accounts whose password "
          "is public. Use `vigie migrate`, `vigie serve` and `vigie worker`.", file=sys.stderr)
    return True


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend import demo

    if refuse_in_production(settings, "demo"):
        return 2

    async def run() -> list | None:
        if not await demo.database_is_empty() and not args.force:
            return None
        return await demo.seed_demo()

    accounts = asyncio.run(_with_db(settings, run))
    if accounts is None:
        print("La base contient déjà des comptes : données de démonstration non créées.")
        return 0
    print_demo_accounts(accounts)
    return 0


def print_demo_accounts(accounts: list[tuple[str, str, str]]) -> None:
    print("Comptes de démonstration (mot de passe commun : %s)" % accounts[0][1])
    for email, _, label in accounts:
        print(f"  {email:32} {label}")


def cmd_letters(settings: Settings, args: argparse.Namespace) -> int:
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend.app import ensure_secret_key
    from backend.lib.errors import NotFound
    from backend.verification.service import print_batch

    settings = ensure_secret_key(settings)
    try:
        pdf, count = asyncio.run(_with_db(settings, lambda: print_batch(settings)))
    except NotFound:
        print("Aucun courrier à imprimer.")
        return 0
    out = Path(args.output)
    out.write_bytes(pdf)
    print(f"{count} courrier(s) dans {out}")
    return 0


COMMUNES_IMPORT = "communes.import"  # the audit entry of an import; its details keep the file's sha256


async def _import_communes(path: Path, if_changed: bool, country: str = "FR"):
    """Import the list at `path` and record its checksum in the audit log; None when `if_changed` and
    the last import recorded the same checksum (the list is already there: ~3 s saved at each start)."""
    # lazy: a command imports only what it runs
    from backend.audit import service as audit
    from backend.audit.tables import AuditEntry
    from backend.communities import official
    from backend.communities.tables import OfficialCommune

    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    if if_changed:
        last = await AuditEntry.select(AuditEntry.details).where(
            (AuditEntry.action == COMMUNES_IMPORT) & (AuditEntry.target == path.name)).order_by(
            AuditEntry.id, ascending=False).first()
        if last and json.loads(last["details"]).get("sha256") == checksum and await OfficialCommune.exists().where(
                OfficialCommune.country == country):
            return None
    report = await official.import_communes(path, country=country)
    await audit.record(None, COMMUNES_IMPORT, path.name, {"sha256": checksum, "country": country, "total": report.total,
                                                          "added": report.added, "updated": report.updated,
                                                          "removed": report.removed})
    return report


def cmd_communes(settings: Settings, args: argparse.Namespace) -> int:
    """`vigie communes import`: load the official list of communes (idempotent; `vigie run` does it too, only
    when the file changed since the last import, or with `--if-changed`)."""
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend.communities import official

    country = getattr(args, "country", None)
    if args.file:  # one list, of the country named (France by default)
        lists = [(country or "FR", Path(args.file))]
    else:  # the shipped lists: France and Belgium, or the country named
        lists = [(c, p) for c, p in official.LISTS.items() if country in (None, c)]
    if_changed = getattr(args, "if_changed", False)

    async def run() -> list:
        return [(c, await _import_communes(p, if_changed, c)) for c, p in lists]

    for country, report in asyncio.run(_with_db(settings, run)):
        label = COUNTRY_LABELS[country]
        if report is None:
            print(f"Liste officielle des communes ({label}) inchangée depuis le dernier import : rien à faire.")
            continue
        print(f"Liste officielle ({label}) : {report.total} communes ({report.added} ajoutée(s), "
              f"{report.updated} mise(s) à jour, {report.unchanged} inchangée(s), {report.removed} retirée(s)) ; "
              f"{report.vigie_communes_updated} commune(s) de Vigie mise(s) à jour.")
        if report.kept_in_use:
            print("Absentes de la liste mais gardées, car utilisées sur Vigie : " + ", ".join(report.kept_in_use))
    return 0


COUNTRY_LABELS = {"FR": "France", "BE": "Belgique"}


def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend.auth.passwords import hash_password
    from backend.auth.tables import User
    from backend.demo import make_user

    async def run() -> str:
        existing = await User.select(User.id).where(User.email == args.email.lower()).first()
        if existing:
            await User.update({User.is_admin: args.admin or User.is_admin, User.is_moderator: args.moderator or User.is_moderator}).where(User.id == existing["id"])
            return f"Compte {args.email} mis à jour."
        await make_user(args.email.lower(), args.first_name, args.last_name, password_hash=await hash_password(args.password),
                        is_admin=args.admin, is_moderator=args.moderator)
        return f"Compte {args.email} créé."

    print(asyncio.run(_with_db(settings, run)))
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Everything on one machine: Valkey, mail catcher, migrations, VAPID keys, demo, worker, API."""
    # lazy: the dev-only local services, imported here and nowhere else in production code
    from backend.devtools.mailcatcher import MailCatcher
    from backend.devtools.valkey import EmbeddedValkey
    from backend.lib.supervisor import Supervised

    if refuse_in_production(settings, "run"):
        return 2
    var = settings.var_path
    var.mkdir(parents=True, exist_ok=True)
    valkey = None
    mail = None
    worker = None
    env = dict(os.environ)
    try:
        if not settings.valkey_url:
            valkey = EmbeddedValkey(var / "valkey", persist=True)
            env["VIGIE_VALKEY_URL"] = valkey.start()
            print(f"Valkey local : {env['VIGIE_VALKEY_URL']}")
        if settings.dev_outbox and settings.smtp_host in ("127.0.0.1", "localhost"):
            mail = MailCatcher(settings.outbox_path, port=settings.smtp_port)
            mail.start()
            print(f"E-mails recueillis dans {settings.outbox_path / 'mail'} (SMTP 127.0.0.1:{settings.smtp_port})")
        settings = settings.with_(valkey_url=env.get("VIGIE_VALKEY_URL", settings.valkey_url))
        cmd_migrate(settings, args)
        cmd_vapid(settings, args)
        args.file, args.if_changed = None, True
        cmd_communes(settings, args)
        args.force = False
        cmd_demo(settings, args)
        # Restarted with backoff if it dies (Supervised); its metrics on 127.0.0.1:<port + 1>.
        env.setdefault("VIGIE_WORKER_METRICS_PORT", str(settings.port + 1))
        worker = Supervised([sys.executable, "-m", "backend.cli", "worker"], env=env, cwd=ROOT,
                            say=lambda text: print(text, flush=True)).start()
        print(f"\nVigie est prête : {settings.base_url}")
        if settings.dev_outbox:
            print(f"Boîte d'envoi locale (courriers, e-mails, SMS) : {settings.base_url}/dev/outbox")
        print("Ctrl-C pour tout arrêter.\n")
        os.environ["VIGIE_VALKEY_URL"] = settings.valkey_url

        def stop_on_term(signum: int, frame: object) -> None:
            raise KeyboardInterrupt  # uvicorn re-raises SIGTERM after its shutdown: end up in `finally`

        signal.signal(signal.SIGTERM, stop_on_term)
        cmd_serve(settings, args)
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None:
            worker.stop(10)
        if mail is not None:
            mail.stop()
        if valkey is not None:
            valkey.stop()
        print("Vigie arrêtée.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vigie", description="Vigie — voisins vigilants et solidaires")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="set up and serve everything locally (make run)")
    p = sub.add_parser("serve", help="serve the API only")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes serving the API on the one port (default: the serve_workers setting, 1)")
    sub.add_parser("worker", help="run the SAQ workers")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("vapid", help="generate the VAPID key pair if absent and print the public key")
    p = sub.add_parser("letters", help="print every unprinted activation letter into one PDF")
    p.add_argument("-o", "--output", default="courriers.pdf")
    p = sub.add_parser("demo", help="create demo data when the database is empty")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("communes", help="the official lists of communes (INSEE, NIS): `vigie communes import`")
    p.add_argument("action", choices=["import"])
    p.add_argument("--country", choices=["FR", "BE"], default=None,
                   help="only this country's list (default: both; with --file: FR)")
    p.add_argument("--file", default=None, help="a list in the shipped format (default: backend/communities/data)")
    p.add_argument("--if-changed", action="store_true",
                   help="skip when the file's checksum is the one of the last import (what `vigie run` does)")
    p = sub.add_parser("user", help="create or promote an account")
    p.add_argument("email")
    p.add_argument("--password", default="")
    p.add_argument("--first-name", default="Admin")
    p.add_argument("--last-name", default="Vigie")
    p.add_argument("--admin", action="store_true")
    p.add_argument("--moderator", action="store_true")
    ops.add_parsers(sub)
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except InvalidSetting as exc:  # a typo in a key or a value: say which, start nothing
        print(f"vigie: {exc}", file=sys.stderr)
        return 2
    _setup_logging(settings)
    handlers = {"run": cmd_run, "serve": cmd_serve, "worker": cmd_worker, "migrate": cmd_migrate,
                "vapid": cmd_vapid, "letters": cmd_letters, "demo": cmd_demo, "communes": cmd_communes, "user": cmd_user, **ops.HANDLERS}
    return handlers[args.command](settings, args)


if __name__ == "__main__":
    raise SystemExit(main())
