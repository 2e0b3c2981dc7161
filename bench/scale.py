"""The network's size on PostgreSQL: the small database and the seed-scale one, side by side.

    .venv/bin/python bench/scale.py [--members 300000] [--clients 50] [--seconds 8] [--workers 2]
                                    [--sms-rate 100] [--skip-broadcast] [--explain MS] [--keep DIR]
                                    [--rounds N] [--broadcasts N]

Needs PostgreSQL's server binaries (`apt-get install postgresql`): one throwaway cluster is
started as the tests start theirs (tests/fixtures/postgres.py: initdb in a temp dir, loopback
only, fsync off), with two databases built by bench/dataset.py: « small » (one commune, one
community of 2,000 members) and « scale » (600 communes, 30,000 communities, 300,000 members,
a commune of ~50,000). Then, for each database, the API as deployed (`vigie serve`, one process;
both up at once, their lines measured in turn, each `--rounds` times) under load from a child
process (bench/api.py's load generator, 50 keep-alive clients):

1. the alerts feed, a page of 50, each client a member of a community with ≥ 60 alerts
   (« feed-one », seed-scale only and without target: every client in the community with the
   most alerts, the small database's shape, to tell the network's size from the readers' spread);
2. a member's home as the PWA loads it (/auth/me, the feed's first page of 20, /me/preferences,
   /me/safety-checks, the community's active broadcasts, /messages/unread), members of the
   largest commune on the seed-scale database;
3. the directory of those communities as the PWA opens it: its first page of 30 by name
   (pwa/js/community.js DIRECTORY_PAGE; the whole directory was one answer until 2 Dec 2026);
4. the mairie dashboard of the largest commune, 20 requests one after the other (one staff member).

On the seed-scale database only: a commune-wide urgent broadcast to the ~50,000 residents of the
largest commune (push + e-mail + SMS to the 10 % with a mobile), 2 `vigie worker` processes,
bench/fanout.py's receivers in child processes; seconds from the POST to the last push and the
last e-mail. Then the same again (`--broadcasts 2`, the default), once the first one's deliveries
all arrived. The resident memory (RSS) of each process after each phase.

Targets (2-core machine): feed ≥ 1,000 req/s with p99 ≤ 100 ms on the small database, and on
the seed-scale one within 10 % of the small one's rate and p99; dashboard ≤ 200 ms (p95);
50,000 pushes ≤ 20 s and 50,000 e-mails ≤ 60 s from the POST, for each broadcast; the API's RSS
on the seed-scale database within 10 % of the small one's, and each worker's after the second
broadcast within 10 % of its RSS after the first (a worker that kept what a broadcast needed would
grow by as much again). `--explain MS` logs the plan (EXPLAIN ANALYZE, via
auto_explain) of every statement slower than MS ms and prints them at the end.

`--keep DIR` keeps the cluster and its two databases in DIR (and what was built in
DIR/summaries.pickle): the next run with the same DIR and sizes starts that cluster again, applies
any new migration and measures without building (for A/B runs of one change). The broadcast
changes the data it measures (a new broadcast and ~100,000 delivery rows, subscriptions pointing
at this run's receiver), so `--keep` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import pickle
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Generator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import load_generator  # noqa: E402
from bench.common import (  # noqa: E402
    Processes, cpu_seconds, csrf_token, load_average, open_sessions, percentile, print_table, settings_env,
    tree_cpu_seconds, wait_http, wait_workers,
)
from bench.dataset import Shape, Summary, build  # noqa: E402
from bench.fanout import SMS_KEY, Child, serve_mail_and_sms, serve_push  # noqa: E402

FEED_PAGE = 50
HOME_PAGE = 20  # pwa/js/alerts.js PAGE_SIZE
DIRECTORY_PAGE = 30  # pwa/js/community.js DIRECTORY_PAGE
MIN_ALERTS = 60  # a full page of 50 after moderation hid a few
DASHBOARD_REQUESTS = 20
BROADCAST = {"category": "meteo", "severity": "urgence", "title": "Crue de la Loire : évacuation des quais",
             "body": "La préfecture ordonne l'évacuation des habitations des quais avant 18 h. Gymnase ouvert."}


def rss_mb(pid: int) -> float:
    """Resident memory of a live process in MB (Linux /proc), 0 when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --------------------------------------------------------------------------- data


async def create_database(url: str, name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.rsplit("/", 1)[0] + "/" + name


async def sessions_for(settings: Any, user_ids: list[int]) -> dict[int, str]:
    from backend import apps, db

    engine = apps.bind_engine(db.make_engine(settings))
    await db.start_engine(engine)
    try:
        return await open_sessions(user_ids)
    finally:
        await db.stop_engine(engine)


def pick_clients(summary: Summary, clients: int, rng: random.Random) -> dict[str, Any]:
    """Who loads what: feed readers in communities with ≥ MIN_ALERTS alerts, home readers in the
    largest commune (its broadcasts reach ~1,000 communities), the dashboard's staff member."""
    feed_communities = summary.communities_by_alerts(MIN_ALERTS)
    if not feed_communities:
        raise RuntimeError(f"no community has {MIN_ALERTS} alerts: build a bigger dataset")
    feed = [(c, summary.active_members(c)[1 + i // len(feed_communities)])
            for i, c in zip(range(clients), (feed_communities * clients)[:clients])]
    # The small database's shape on any database: every reader in the one community with the most
    # alerts (« small »: 2,000 members, 102 alerts; « scale »: 1,955 and 100). What `feed` adds on
    # « scale » is the spread: its readers' feeds are those of 16 communities, not one.
    top = feed_communities[0]
    feed_one = [(top, u) for u in summary.active_members(top)[1:1 + clients]]
    big = [c for c, commune in summary.community_commune.items() if commune == summary.big_commune]
    home_communities = rng.sample(big, min(clients, len(big)))
    home = [(c, summary.active_members(c)[1 + i // len(home_communities)])
            for i, c in zip(range(clients), (home_communities * clients)[:clients])]
    return {"feed": feed, "feed-one": feed_one if len(feed_communities) > 1 else [], "home": home,
            "staff": summary.staff_of[summary.big_commune]}


def requests(port: int, paths_cookies: list[tuple[str, str]]) -> list[bytes]:
    return [(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
             f"Cookie: {cookie}\r\n\r\n").encode() for path, cookie in paths_cookies]


def home_paths(community: int) -> list[str]:
    return ["/api/v1/auth/me", f"/api/v1/communities/{community}/alerts?limit={HOME_PAGE}", "/api/v1/me/preferences",
            "/api/v1/me/safety-checks", f"/api/v1/communities/{community}/broadcasts?active=true",
            "/api/v1/messages/unread"]


# --------------------------------------------------------------------------- one database


def measure_database(label: str, url: str, summary: Summary, tmp: Path, valkey_url: str, loader: Any,
                     args: argparse.Namespace, broadcast: dict[str, Any] | None,
                     postmaster: int) -> Generator[str, None, dict[str, Any]]:
    """The API's lines on one database (and the broadcast when `broadcast` has the receivers);
    `postmaster` is the cluster's pid, whose backends' CPU is measured beside the API's.

    A generator: with its API up, it yields each line's name (`--rounds` times each) before
    measuring it, so that main() runs the two databases' lines in turn; it returns the results."""
    import json
    import urllib.request

    from backend.devtools.loopback import free_port
    from backend.settings import Settings

    port = free_port()
    extra: dict[str, Any] = {}
    if broadcast:
        extra = dict(smtp_port=broadcast["smtp_port"], sms_provider="http", sms_http_url=broadcast["sms_url"],
                     sms_api_key=SMS_KEY, sms_rate_per_second=args.sms_rate, push_allow_http_loopback=True,
                     vapid_private_key_file=str(tmp / "vapid.pem"), worker_concurrency=args.concurrency,
                     push_jobs_per_worker=args.push_jobs,
                     # The dataset holds a year of deliveries, as an instance keeping them a year would;
                     # with the default 90 days, the workers' first daily privacy run purged ~9 months of
                     # them (millions of rows, 1,000 a statement) during the broadcast: a third of the
                     # workers' samples (py-spy) and much of PostgreSQL's CPU, a backlog no running
                     # instance has (it purges a day's rows a day). `--retention-days 90` measures the
                     # broadcast beside that backlog's purge, paced by `--pause-ratio`.
                     retention_delivery_days=args.retention_days, retention_pause_ratio=args.pause_ratio)
    settings = Settings(env="bench", base_url=f"http://127.0.0.1:{port}", port=port, var_dir=str(tmp / "var"),
                        database_url=url, valkey_url=valkey_url, secret_key="bench-secret-key-not-for-production",
                        secure_cookies=False, outbox_dir=str(tmp / "outbox"), log_level="WARNING", **extra)
    if broadcast:
        from backend.delivery.channels.vapid import ensure_vapid_keys

        ensure_vapid_keys(settings)
    who = pick_clients(summary, args.clients, random.Random(2))
    readers = {u for _, u in who["feed"] + who["feed-one"] + who["home"]} | {who["staff"]}
    tokens = asyncio.run(sessions_for(settings, sorted(readers)))
    out: dict[str, Any] = {"lines": [], "rss": {}}
    log_dir = tmp / label
    log_dir.mkdir()
    with Processes(settings_env(settings), log_dir) as procs:
        api = procs.serve()
        wait_http(f"{settings.base_url}/api/v1/health", procs)
        csrf = csrf_token(settings.base_url)

        def cookie(user: int) -> str:
            return f"vigie_session={tokens[user]}; csrftoken={csrf}"

        def get(path: str, user: int) -> Any:
            request = urllib.request.Request(settings.base_url + path, headers={"Cookie": cookie(user)})
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())

        page = get(f"/api/v1/communities/{who['feed'][0][0]}/alerts?limit={FEED_PAGE}", who["feed"][0][1])
        if len(page["items"]) != FEED_PAGE:
            raise RuntimeError(f"{label}: the feed returned {len(page['items'])} alerts, not {FEED_PAGE}")
        lines = {
            "feed": [(f"/api/v1/communities/{c}/alerts?limit={FEED_PAGE}", cookie(u)) for c, u in who["feed"]],
            "feed-one": [(f"/api/v1/communities/{c}/alerts?limit={FEED_PAGE}", cookie(u)) for c, u in who["feed-one"]],
            "home": [(p, cookie(u)) for c, u in who["home"] for p in home_paths(c)],
            "directory": [(f"/api/v1/communities/{c}/directory/page?limit={DIRECTORY_PAGE}", cookie(u))
                          for c, u in who["home"]],
        }
        for name, pairs in [(name, lines.get(name, [])) for name in args.lines for _ in range(args.rounds)]:
            yield name
            if pairs:
                cpu, pg_cpu = cpu_seconds(api.pid), tree_cpu_seconds(postmaster)
                loader.send((port, requests(port, pairs), args.clients, args.warmup, args.seconds))
                result = loader.recv()
                result["server_cpu"] = (cpu_seconds(api.pid) - cpu) / (args.warmup + args.seconds)
                result["pg_cpu"] = (tree_cpu_seconds(postmaster) - pg_cpu) / (args.warmup + args.seconds)
                procs.check_alive()
                out["lines"].append((name, result))
                out["rss"][f"API after {name}"] = rss_mb(api.pid)
        commune = summary.big_commune
        times = []
        for _ in range(DASHBOARD_REQUESTS + 3):
            started = time.perf_counter()
            dashboard = get(f"/api/v1/communes/{commune}/dashboard", who["staff"])
            times.append(time.perf_counter() - started)
        out["dashboard"] = {"times": times[3:], "communities": len(dashboard["communities"])}
        out["rss"]["API after dashboard"] = rss_mb(api.pid)
        if broadcast:
            out["broadcast"] = run_broadcast(settings, procs, broadcast, commune, cookie(who["staff"]), csrf, args,
                                             postmaster)
            out["rss"]["API after broadcast"] = rss_mb(api.pid)
    return out


def run_broadcast(settings: Any, procs: Processes, receivers: dict[str, Any], commune: int, cookie: str, csrf: str,
                  args: argparse.Namespace, postmaster: int) -> list[dict[str, Any]]:
    """POST an urgent commune-wide broadcast `--broadcasts` times, one after the other once the last
    one's pushes, e-mails and SMS all arrived; for each: seconds until its last push and e-mail
    arrive, the CPU of each process meanwhile (the API, the workers, PostgreSQL's, the
    receivers'), and the workers' memory (a second broadcast shows whether it keeps growing)."""
    workers = procs.workers(args.workers)
    asyncio.run(wait_workers(settings.valkey_url, procs, args.workers, settings, timeout=60))
    idle = {f"worker{i + 1} idle": rss_mb(w.pid) for i, w in enumerate(workers)}
    push, mail = receivers["push"], receivers["mail"]
    rounds: list[dict[str, Any]] = []
    before = {"push": {"pushes": 0}, "mail": {"emails": 0, "sms": 0}}
    for n in range(1, args.broadcasts + 1):
        if n > 1:
            push.ask("mark")
            mail.ask("mark")
        b = _one_broadcast(settings, procs, workers, receivers, n, commune, cookie, csrf, args, postmaster)
        b["rss"] = {**(idle if n == 1 else {}), **b["rss"]}
        for side, counts in before.items():  # the receivers count since their start
            for key, earlier in counts.items():
                counts[key], b[side][key] = b[side][key], b[side][key] - earlier
        rounds.append(b)
        if not b["complete"]:
            break
    return rounds


def _one_broadcast(settings: Any, procs: Processes, workers: list[Any], receivers: dict[str, Any], n: int,
                   commune: int, cookie: str, csrf: str, args: argparse.Namespace, postmaster: int) -> dict[str, Any]:
    import json
    import urllib.request

    push, mail = receivers["push"], receivers["mail"]

    def others() -> dict[str, float]:
        return {"postgresql": tree_cpu_seconds(postmaster), "push receiver": cpu_seconds(push.process.pid),
                "smtp+sms": cpu_seconds(mail.process.pid)}

    cpu_before = {**procs.cpu(), **others()}
    text = dict(BROADCAST, title=BROADCAST["title"] + ("" if n == 1 else f" (message n° {n})"))
    request = urllib.request.Request(
        f"{settings.base_url}/api/v1/communes/{commune}/broadcasts", data=json.dumps(text).encode(),
        method="POST", headers={"Cookie": cookie, "x-csrftoken": csrf, "Content-Type": "application/json"})
    posted_at = time.time()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    post_seconds = time.time() - posted_at
    deadline = posted_at + args.timeout
    peak: dict[str, float] = {}

    def sample() -> None:
        for i, w in enumerate(workers):
            peak[f"worker{i + 1}"] = max(peak.get(f"worker{i + 1}", 0.0), rss_mb(w.pid))

    pushes_ok = _wait_sampling(push, ("wait", (receivers["pushes"] * n, deadline)), sample)
    mails_ok = _wait_sampling(mail, ("wait", ((receivers["emails"] * n, deadline), (receivers["sms"] * n, deadline))),
                              sample)
    cpu_after = {**procs.cpu(), **others()}
    pc, mc = push.ask("counts"), mail.ask("counts")
    states = asyncio.run(delivery_states(settings.database_url, body.get("id")))
    settled = None  # when no row of it is left queued or sending (outcomes are written in batches, retries wait)
    while settled is None and time.time() < deadline:
        if not any(st in ("queued", "sending") for _, st, _, _ in states):
            settled = time.time() - posted_at
            break
        time.sleep(1)
        states = asyncio.run(delivery_states(settings.database_url, body.get("id")))
    rss = {f"{name} peak {n}": mb for name, mb in peak.items()}
    rss.update({f"worker{i + 1} after {n}": rss_mb(w.pid) for i, w in enumerate(workers)})
    return {"id": body.get("id"), "post": post_seconds, "posted_at": posted_at, "complete": pushes_ok and mails_ok,
            "push": pc, "mail": mc, "rss": rss, "states": states, "settled": settled,
            "cpu": {k: cpu_after.get(k, 0) - cpu_before.get(k, 0) for k in cpu_after}}


async def delivery_states(url: str, broadcast_id: int | None) -> list[tuple[str, str, str, int]]:
    """The broadcast's delivery rows by (channel, state, reason): what a missing delivery became."""
    import asyncpg

    from backend.mairie.notify import BROADCAST_KIND

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT channel, state, reason, COUNT(*) AS n FROM deliveries WHERE kind = $1 "
                                "AND ref_id = $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC", BROADCAST_KIND, broadcast_id)
    finally:
        await conn.close()
    return [(r["channel"], r["state"], r["reason"][:60], r["n"]) for r in rows]


def _wait_sampling(child: Child, command: tuple[str, Any], sample: Any) -> bool:
    """Ask a receiver to wait for its count while sampling the workers' memory every 0.5 s."""
    child.conn.send(command)
    while not child.conn.poll(0.5):
        sample()
    sample()
    return bool(child.conn.recv())


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=Shape.members)
    parser.add_argument("--communities", type=int, default=Shape.communities)
    parser.add_argument("--communes", type=int, default=Shape.communes)
    parser.add_argument("--big-commune-members", type=int, default=Shape.big_commune_members)
    parser.add_argument("--small-members", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--lines", default="feed,feed-one,home,directory",
                        help="which of feed,feed-one,home,directory to load")
    parser.add_argument("--databases", default="small,scale", help="which of small,scale to measure (built: both)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each line this many times, the databases in turn (small, scale, small, …)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=10, help="worker_concurrency of each worker")
    parser.add_argument("--push-jobs", type=int, default=None,
                        help="push_jobs_per_worker of each worker (default: the setting's default)")
    parser.add_argument("--sms-rate", type=int, default=100, help="SMS provider rate limit (messages/s)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds to wait for the broadcast's deliveries")
    parser.add_argument("--skip-broadcast", action="store_true")
    parser.add_argument("--broadcasts", type=int, default=2,
                        help="broadcasts sent one after the other (the second shows whether the workers' memory is flat)")
    parser.add_argument("--retention-days", type=int, default=400,
                        help="the workers' retention_delivery_days (90: a first purge of ~9 months runs beside the broadcast)")
    parser.add_argument("--pause-ratio", type=float, default=1.0, help="the workers' retention_pause_ratio")
    parser.add_argument("--explain", type=float, default=0, metavar="MS",
                        help="log EXPLAIN ANALYZE of statements slower than MS ms (auto_explain) and print them")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the cluster and its databases in DIR and reuse them next time (no broadcast)")
    args = parser.parse_args()
    if args.push_jobs is None:
        from backend.settings import Settings

        args.push_jobs = Settings.push_jobs_per_worker
    args.lines = args.lines.split(",")
    if args.keep:
        args.keep = args.keep.resolve()
        args.skip_broadcast = True

    from backend.devtools.valkey import EmbeddedValkey
    from tests.fixtures.postgres import ThrowawayPostgres

    if not ThrowawayPostgres.available():
        print("bench/scale.py needs PostgreSQL's server binaries (apt-get install postgresql)")
        return 2
    print(f"bench/scale.py: {args.clients} clients, one API process a database; {load_average()}")
    shape = Shape(communes=args.communes, communities=args.communities, members=args.members,
                  big_commune_members=args.big_commune_members)
    small_shape = Shape(communes=1, communities=1, members=args.small_members, big_commune_members=args.small_members)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    loader = context.Process(target=load_generator, args=(child,), daemon=True)
    loader.start()
    push = mail = None
    results: dict[str, Any] = {}
    kept = args.keep / "summaries.pickle" if args.keep else None
    with tempfile.TemporaryDirectory(prefix="vigie-scale-") as tmp_name, \
            ThrowawayPostgres(max_connections=200, keep=args.keep and args.keep / "pg") as pg:
        tmp = Path(tmp_name)
        valkey = EmbeddedValkey(tmp / "valkey")
        try:
            valkey_url = valkey.start()
            if args.explain:
                asyncio.run(enable_auto_explain(pg.url, args.explain))
            receivers: dict[str, Any] | None = None
            subscription = None
            if not args.skip_broadcast:
                push, mail = Child(serve_push), Child(serve_mail_and_sms)
                receivers = {"push": push, "mail": mail, "smtp_port": mail.hello[0], "sms_url": mail.hello[1]}
                subscriptions: list[dict[str, Any]] = []

                def subscription(uid: int) -> dict[str, Any]:
                    if not subscriptions:
                        subscriptions.extend(push.ask("subscriptions", 5000))
                    return subscriptions.pop()

            built = {}
            shapes = {"small": small_shape, "scale": shape}
            saved = pickle.loads(kept.read_bytes()) if kept and kept.exists() else {}
            for label, db_shape, sub in (("small", small_shape, None), ("scale", shape, subscription)):
                if label in saved and saved[label][0] == db_shape:
                    url = pg.url.rsplit("/", 1)[0] + f"/vigie_{label}"
                    asyncio.run(migrate_kept(url))
                    built[label] = (url, saved[label][1])
                    print(f"{label}: kept in {args.keep}, migrated; {load_average()}")
                    continue
                url = asyncio.run(create_database(pg.url, f"vigie_{label}"))
                summary = asyncio.run(build(url, db_shape, push_subscription=sub, progress=lambda _: None))
                built[label] = (url, summary)
                print(f"{label}: {summary.seconds:.0f} s to build: "
                      + ", ".join(f"{t} {n:,}" for t, n in summary.rows.items()) + f"; {load_average()}")
            if kept:
                kept.write_bytes(pickle.dumps({label: (shapes[label], built[label][1]) for label in built}))
            if receivers:
                big = built["scale"][1]
                residents = [u for c, commune in big.community_commune.items() if commune == big.big_commune
                             for u in big.members_of[c]]
                receivers.update(pushes=len(residents), emails=len(residents),
                                 sms=sum(1 for u in residents if u % 10 == 0))
            # Both APIs up at once, their lines in turn: the ratio of two lines measured seconds
            # apart depends less on what else runs on the machine than two measured a minute apart.
            postmaster = int((Path(pg.directory) / "data" / "postmaster.pid").read_text().split()[0])
            running = {label: measure_database(label, url, summary, tmp, valkey_url, parent, args,
                                               receivers if label == "scale" else None, postmaster)
                       for label, (url, summary) in built.items() if label in args.databases.split(",")}
            with contextlib.ExitStack() as stack:
                for gen in running.values():
                    stack.callback(gen.close)  # an error in one stops the other's API too
                while running:
                    for label, gen in list(running.items()):
                        try:
                            next(gen)
                        except StopIteration as done:
                            results[label] = done.value
                            del running[label]
                            print(f"{label}: measured; {load_average()}")
            if args.explain:
                print_plans(Path(pg.directory) / "postgres.log")
        finally:
            parent.send(None)
            loader.join(10)
            for receiver in (push, mail):
                if receiver:
                    receiver.stop()
            valkey.stop()
    report(results, args)
    return 0


async def migrate_kept(url: str) -> None:
    """Apply the migrations written since a kept database was built."""
    from backend import apps, db
    from backend.migrate import migrate
    from backend.settings import Settings

    engine = apps.bind_engine(db.make_engine(Settings(database_url=url)))
    await migrate(engine, quiet=True)


async def enable_auto_explain(url: str, ms: float) -> None:
    """Plans of slow statements into postgres.log, for every connection opened from now on."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for sql in ("LOAD 'auto_explain'", "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'",
                    f"ALTER SYSTEM SET auto_explain.log_min_duration = '{ms}ms'",
                    "ALTER SYSTEM SET auto_explain.log_analyze = on",
                    "SELECT pg_reload_conf()"):
            await conn.execute(sql)
    finally:
        await conn.close()


def print_plans(log: Path) -> None:
    text = log.read_text(errors="replace")
    plans = [block for block in text.split("LOG:  ") if block.startswith("duration:") and "plan:" in block
             and "Query Text: SELECT" in block]
    print(f"\n{len(plans)} statements slower than the --explain threshold:")
    seen = set()
    for plan in plans:
        query = plan.split("Query Text:", 1)[-1].split("\n", 1)[0][:160]
        if query not in seen:
            seen.add(query)
            head, _, rest = plan.partition("Query Text:")
            query, _, tree = rest.partition("\n")
            print(head + "Query Text:" + query[:400] + "\n" + tree.rstrip()[:3000], "\n")


def combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One line measured `--rounds` times: its requests over its seconds, the median of its p50s
    and p99s, the mean of its CPU shares, and each round's rate."""
    statuses: dict[Any, int] = {}
    for run in runs:
        for status, n in run["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {"requests": sum(r["requests"] for r in runs), "seconds": sum(r["seconds"] for r in runs),
            "statuses": statuses, "p50": percentile([r["p50"] for r in runs], 50),
            "p99": percentile([r["p99"] for r in runs], 50),
            "server_cpu": sum(r["server_cpu"] for r in runs) / len(runs),
            "pg_cpu": sum(r["pg_cpu"] for r in runs) / len(runs),
            "round_rates": [r["requests"] / r["seconds"] for r in runs]}


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    print()
    rows: list[tuple[str, str, str, bool | None]] = []
    rates: dict[str, dict[str, tuple[float, float]]] = {}
    round_rates: dict[str, dict[str, list[float]]] = {}
    for label, r in results.items():
        by_name: dict[str, list[dict[str, Any]]] = {}
        for name, line in r["lines"]:
            by_name.setdefault(name, []).append(line)
        for name, line in ((name, combined(runs)) for name, runs in by_name.items()):
            rate = line["requests"] / line["seconds"]
            errors = sum(n for status, n in line["statuses"].items() if status != 200)
            rates.setdefault(name, {})[label] = (rate, line["p99"])
            # CPU per request moves much less with the machine's load than req/s and latency do.
            cpu_ms = line["server_cpu"] * 1000 / rate if rate else float("nan")
            pg_ms = line["pg_cpu"] * 1000 / rate if rate else float("nan")
            measured = (f"{rate:6.0f} req/s  p50 {line['p50'] * 1000:5.1f} ms  p99 {line['p99'] * 1000:5.1f} ms  "
                        f"server CPU {line['server_cpu'] * 100:3.0f} %, {cpu_ms:.2f} ms a request; "
                        f"PostgreSQL {line['pg_cpu'] * 100:3.0f} %, {pg_ms:.2f} ms"
                        + (f"  {errors} errors {line['statuses']}" if errors else ""))
            target, ok = "", None
            if name == "feed" and label == "small":
                target, ok = "≥ 1000 req/s, p99 ≤ 100 ms", rate >= 1000 and line["p99"] <= 0.1 and not errors
            elif name == "feed" and "small" in rates["feed"]:
                small_rate, small_p99 = rates["feed"]["small"]
                target = "within 10 % of small"
                ok = rate >= 0.9 * small_rate and line["p99"] <= 1.1 * small_p99 and not errors
            elif name == "feed-one" and "small" in rates.get("feed", {}):
                small_rate, small_p99 = rates["feed"]["small"]
                target = f"(no target) {rate / small_rate * 100:.0f} % of small's rate"
                ok = False if errors else None
            elif errors:
                ok = False
            rows.append((f"{label}: {name}" + (" (6 requests a home)" if name == "home" else ""), measured, target, ok))
            round_rates.setdefault(name, {})[label] = line["round_rates"]
            if args.rounds > 1 and label != "small" and "small" in round_rates[name]:
                pairs = zip(round_rates[name]["small"], line["round_rates"])
                ratios = [scale / small * 100 if small else float("nan") for small, scale in pairs]
                rows.append((f"{label}: {name}, round by round", ", ".join(f"{x:.0f} %" for x in ratios)
                             + f" of small's rate (median {percentile(ratios, 50):.0f} %)", "", None))
        d = r["dashboard"]["times"]
        p95 = percentile(d, 95)
        rows.append((f"{label}: dashboard ({r['dashboard']['communities']} communities)",
                     f"p50 {percentile(d, 50) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(d) * 1000:.0f} ms",
                     "p95 ≤ 200 ms" if label == "scale" else "", p95 <= 0.2 if label == "scale" else None))
    broadcasts = results.get("scale", {}).get("broadcast") or []
    for n, b in enumerate(broadcasts, 1):
        name = "broadcast" if len(broadcasts) == 1 else f"broadcast {n}"
        t0 = b["posted_at"]
        push_s = b["push"]["last"] - t0 if b["push"]["pushes"] else float("inf")
        mail_s = b["mail"]["email_last"] - t0 if b["mail"]["emails"] else float("inf")
        sms_s = b["mail"]["sms_last"] - t0 if b["mail"]["sms"] else float("inf")
        workers_cpu = sum(v for k, v in b["cpu"].items() if k.startswith("worker"))
        deliveries = b["push"]["pushes"] + b["mail"]["emails"] + b["mail"]["sms"]
        rows += [
            (f"{name}: POST", f"{b['post'] * 1000:.0f} ms", "", None),
            (f"{name}: {b['push']['pushes']} pushes received",
             f"{push_s:.1f} s (first {b['push']['first'] - t0:.1f}, half {b['push']['half'] - t0:.1f})",
             "50,000 ≤ 20 s", push_s <= 20 if b["push"]["pushes"] >= 49_000 else None),
            (f"{name}: {b['mail']['emails']} e-mails accepted",
             f"{mail_s:.1f} s (first {b['mail']['email_first'] - t0:.1f}, half {b['mail']['email_half'] - t0:.1f})",
             "50,000 ≤ 60 s", mail_s <= 60 if b["mail"]["emails"] >= 49_000 else None),
            (f"{name}: {b['mail']['sms']} SMS accepted", f"{sms_s:.1f} s", f"(provider rate {args.sms_rate}/s)",
             None),
            (f"{name}: all delivered", str(b["complete"]), "", b["complete"]),
            (f"{name}: every row sent, failed or skipped",
             "never" if b["settled"] is None else f"{b['settled']:.1f} s after the POST", "", b["settled"] is not None),
            (f"{name}: rows by state", "; ".join(f"{c} {st}{f' ({why})' if why and st != 'skipped' else ''} {k}"
                                                 for c, st, why, k in b["states"] if st != "skipped")
             + f"; skipped {sum(k for _, st, _, k in b['states'] if st == 'skipped')}", "", None),
            (f"{name}: CPU seconds", ", ".join(f"{k} {v:.1f}" for k, v in b["cpu"].items()), "", None),
            (f"{name}: workers' CPU per delivery", f"{workers_cpu * 1000 / max(1, deliveries):.2f} ms", "", None),
        ]
    if len(broadcasts) > 1 and broadcasts[-1]["complete"]:
        first, last = broadcasts[0]["rss"], broadcasts[-1]["rss"]
        grown = max(last[f"worker{i} after {len(broadcasts)}"] / first[f"worker{i} after 1"]
                    for i in range(1, args.workers + 1))
        rows.append((f"workers' RSS after broadcast {len(broadcasts)} / after broadcast 1", f"{grown:.2f}× (the larger)",
                     "≤ 1.10× (flat)", grown <= 1.10))
    for label, r in results.items():
        rss = {**r["rss"], **{k: v for b in r.get("broadcast") or [] for k, v in b["rss"].items()}}
        rows.append((f"{label}: RSS (MB)", ", ".join(f"{k} {v:.0f}" for k, v in rss.items()), "", None))
    if "small" in results and "scale" in results:
        small_api = max(v for k, v in results["small"]["rss"].items() if k.startswith("API"))
        scale_api = max(v for k, v in results["scale"]["rss"].items() if k.startswith("API") and "broadcast" not in k)
        rows.append(("API RSS, scale / small (same requests)", f"{scale_api:.0f} / {small_api:.0f} MB",
                     "≤ 1.10×", scale_api <= 1.10 * small_api))
    print_table(rows)
    print(f"\n{args.clients} clients, {args.seconds:g} s measured per line; {load_average()}")


if __name__ == "__main__":
    raise SystemExit(main())
