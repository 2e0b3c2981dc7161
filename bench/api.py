"""The alerts feed under 50 concurrent readers, on one API process, SQLite then PostgreSQL.

    .venv/bin/python bench/api.py [--clients 50] [--seconds 8] [--db sqlite|postgres|both]

Set-up: its own Valkey; a throwaway database (a SQLite file, then a throwaway PostgreSQL
cluster from tests/fixtures/postgres.py, skipped with a message when PostgreSQL's binaries
are absent) migrated with backend/migrate.py; a community of 2,000 members and a few hundred
alerts written in bulk; one login session per client; the API as deployed (`vigie serve`,
uvicorn, access log on).

The load comes from a child process (so it does not share the server's GIL): `--clients`
keep-alive HTTP/1.1 connections, each sending its next request as soon as the previous
answer is in, written on raw asyncio streams to cost the client as little as possible.
Each endpoint gets `--warmup` seconds unmeasured, then `--seconds` measured:

1. `GET /api/v1/ping` without a session: the framework's ceiling (hello JSON);
2. `GET /api/v1/ping` with a session cookie: the ceiling plus loading the session;
3. `GET /api/v1/communities/{id}/alerts` (50 alerts a page) with a session cookie.

Prints req/s, p50/p99 latency and the API process's CPU use, and the target of "Alerts, from
tap to phone" for the feed on SQLite: ≥ 1,000 req/s with p99 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Processes, cpu_seconds, csrf_token, load_average, make_community, open_sessions, percentile, print_table,
    settings_env, wait_http,
)

PAGE = 50


# --------------------------------------------------------------------------- load generator


async def _connection(port: int, requests: list[bytes], offset: int, warm_until: float, stop_at: float,
                      latencies: list[float], statuses: Counter[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while (started := time.perf_counter()) < stop_at:
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                await reader.readexactly(int(lower[at + 17:lower.index(b"\r\n", at + 2)]))
            else:  # chunked
                while size := int((await reader.readuntil(b"\r\n"))[:-2], 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            if started >= warm_until:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
    finally:
        writer.close()


async def _load(port: int, requests: list[bytes], clients: int, warmup: float, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    now = time.perf_counter()
    warm_until, stop_at = now + warmup, now + warmup + seconds
    cpu = time.process_time()
    await asyncio.gather(*(_connection(port, requests, i, warm_until, stop_at, latencies, statuses)
                           for i in range(clients)))
    return {"requests": len(latencies), "seconds": seconds, "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "statuses": dict(statuses), "client_cpu": time.process_time() - cpu}


def load_generator(conn: Connection) -> None:
    """Child process: runs one load per command `(port, requests, clients, warmup, seconds)`."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    while (command := conn.recv()) is not None:
        conn.send(asyncio.run(_load(*command)))


def request_bytes(port: int, path: str, cookies: list[str]) -> list[bytes]:
    """One GET per cookie header (or one without), as a browser on keep-alive would send it."""
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
    return [(head + (f"Cookie: {c}\r\n" if c else "") + "\r\n").encode() for c in cookies or [""]]


# --------------------------------------------------------------------------- data


async def build_data(settings: Any, members: int, alerts: int, clients: int) -> dict[str, Any]:
    """Migrate; a community of `members` with `alerts` alerts; a session per client."""
    from datetime import timedelta

    from backend import apps, db
    from backend.alerts.service import CATEGORIES
    from backend.alerts.tables import Alert
    from backend.auth.passwords import hash_password
    from backend.lib import clock
    from backend.lib.sql import bulk_insert
    from backend.migrate import migrate

    engine = apps.bind_engine(db.make_engine(settings))
    await migrate(engine, quiet=True)
    await db.start_engine(engine)
    try:
        community = await make_community("Les Tilleuls", members, await hash_password("banc-d-essai-2026"))
        ids = community.members
        categories = sorted(CATEGORIES)
        start = clock.now() - timedelta(days=60)
        await bulk_insert(Alert, ["community", "author", "category", "title", "body", "place", "notify_mairie",
                                  "notify_police", "source", "idempotency_key", "resolution", "moderation",
                                  "moderation_reason", "created_at"],
                          [(community.id, ids[i * 7 % len(ids)], categories[i % len(categories)], f"Alerte n°{i}",
                            "Une camionnette blanche tourne dans le quartier depuis une heure, deux personnes à bord. "
                            "Elle s'est arrêtée plusieurs fois devant des maisons dont les volets sont fermés.",
                            "Rue des Lilas" if i % 2 else "", i % 5 == 0, False, "app", f"bench-{i}",
                            "resolved" if i % 3 == 0 else "open", "approved" if i % 4 else "pending", "",
                            start + timedelta(hours=4 * i)) for i in range(alerts)], ignore_conflicts=False)
        sessions = await open_sessions(ids[:clients])
        if db.is_sqlite():  # as a running server's database is: its write-ahead log checkpointed
            await Alert.raw("PRAGMA wal_checkpoint(TRUNCATE)")
        return {"community": community.id, "tokens": list(sessions.values())}
    finally:
        await db.stop_engine(engine)


# --------------------------------------------------------------------------- one database


def run_database(label: str, database_url: str, tmp: Path, valkey_url: str, loader: Any,
                 args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    from backend.devtools.loopback import free_port
    from backend.settings import Settings

    port = free_port()
    settings = Settings(env="bench", base_url=f"http://127.0.0.1:{port}", port=port, var_dir=str(tmp / "var"),
                        database_url=database_url, valkey_url=valkey_url, secret_key="bench-secret-key-not-for-production",
                        secure_cookies=False, outbox_dir=str(tmp / "outbox"), log_level="WARNING")  # fmt: skip
    started = time.perf_counter()
    data = asyncio.run(build_data(settings, args.members, args.alerts, args.clients))
    print(f"{label}: {args.members} members, {args.alerts} alerts, {args.clients} sessions in "
          f"{time.perf_counter() - started:.1f} s")
    results = []
    log_dir = tmp / label
    log_dir.mkdir()
    with Processes(settings_env(settings), log_dir) as procs:
        api = procs.serve()
        wait_http(f"{settings.base_url}/api/v1/health", procs)
        csrf = csrf_token(settings.base_url)
        cookies = [f"vigie_session={t}; csrftoken={csrf}" for t in data["tokens"]]
        feed = f"/api/v1/communities/{data['community']}/alerts?limit={PAGE}"
        check_feed(settings.base_url + feed, cookies[0])
        endpoints = {"ping": ("ping, no session", "/api/v1/ping", False),
                     "session": ("ping, session", "/api/v1/ping", True),
                     "feed": (f"alerts feed ({PAGE}/page)", feed, True)}
        for name, path, with_session in (endpoints[e] for e in args.endpoints.split(",")):
            cpu = cpu_seconds(api.pid)
            loader.send((port, request_bytes(port, path, cookies if with_session else []), args.clients,
                         args.warmup, args.seconds))
            result = loader.recv()
            result["server_cpu"] = (cpu_seconds(api.pid) - cpu) / (args.warmup + args.seconds)
            result["client_cpu"] /= args.warmup + args.seconds
            procs.check_alive()
            results.append((name, result))
    return results


def check_feed(url: str, cookie: str) -> None:
    """One request by hand: the feed answers 200 with a full page (the load only counts statuses)."""
    import json
    import urllib.request

    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        page = json.loads(response.read())
    if len(page["items"]) != PAGE:
        raise RuntimeError(f"the feed returned {len(page['items'])} alerts, not {PAGE}")


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent keep-alive connections")
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=1.5, help="unmeasured seconds before each measure")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--endpoints", default="ping,session,feed", help="which of ping,session,feed to load")
    args = parser.parse_args()

    from backend.devtools.valkey import EmbeddedValkey
    from tests.fixtures.postgres import ThrowawayPostgres

    print(f"bench/api.py: {args.clients} clients, one API process; {load_average()}")
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    loader = context.Process(target=load_generator, args=(child,), daemon=True)
    loader.start()
    report: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
    with tempfile.TemporaryDirectory(prefix="vigie-bench-") as tmp_name:
        tmp = Path(tmp_name)
        valkey = EmbeddedValkey(tmp / "valkey")
        try:
            valkey_url = valkey.start()
            if args.db in ("sqlite", "both"):
                report.append(("SQLite", run_database("sqlite", f"sqlite:///{tmp / 'bench.db'}", tmp, valkey_url,
                                                      parent, args)))
            if args.db in ("postgres", "both"):
                if not ThrowawayPostgres.available():
                    print("PostgreSQL: skipped, no PostgreSQL server binaries found (apt-get install postgresql)")
                else:
                    with ThrowawayPostgres() as pg:
                        report.append(("PostgreSQL", run_database("postgres", pg.url, tmp, valkey_url, parent,
                                                                  args)))
        finally:
            parent.send(None)
            loader.join(10)
            valkey.stop()
    print_report(report, args)
    return 0


def print_report(report: list[tuple[str, list[tuple[str, dict[str, Any]]]]], args: argparse.Namespace) -> None:
    print()
    rows: list[tuple[str, str, str, bool | None]] = []
    for database, results in report:
        for name, r in results:
            rate = r["requests"] / r["seconds"]
            errors = sum(n for status, n in r["statuses"].items() if status != 200)
            measured = (f"{rate:6.0f} req/s  p50 {r['p50'] * 1000:5.1f} ms  p99 {r['p99'] * 1000:5.1f} ms  "
                        f"CPU: server {r['server_cpu'] * 100:3.0f} %, load generator {r['client_cpu'] * 100:3.0f} %"
                        + (f"  {errors} errors {r['statuses']}" if errors else ""))
            is_target = database == "SQLite" and name.startswith("alerts feed")
            ok = rate >= 1000 and r["p99"] <= 0.1 and not errors
            rows.append((f"{database}: {name}", measured, "≥ 1000 req/s, p99 ≤ 100 ms" if is_target else "",
                         ok if is_target else None))
    print_table(rows)
    print(f"\n{args.clients} clients, {args.seconds:g} s measured per line; {load_average()}")


if __name__ == "__main__":
    raise SystemExit(main())
