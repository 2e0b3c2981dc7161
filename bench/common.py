"""What bench/fanout.py and bench/api.py share: the real processes, bulk test data, a small HTTP client.

Both benchmarks run the app as it is deployed: `vigie serve` and `vigie worker` as separate
processes configured by VIGIE_* variables, on a throwaway database and their own Valkey.
Data is written with multi-row INSERTs (thousands of members in a second or two), every
member sharing one precomputed argon2 hash.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.settings import Settings  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- machine


def load_average() -> str:
    """`uptime`'s load averages (1, 5, 15 min) and the core count, for the report."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, its live descendants, and the children it has
    reaped (a PostgreSQL postmaster: its backends, one per connection, and the exited ones)."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                pass
    if pid not in stats:
        return 0.0
    children: dict[int, list[int]] = {}
    for child, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(child)
    ticks, todo = sum(int(f) for f in stats[pid][13:15]), [pid]
    while todo:
        current = todo.pop()
        ticks += int(stats[current][11]) + int(stats[current][12])
        todo.extend(children.get(current, []))
    return ticks / CLOCK_TICKS


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(rows: list[tuple[str, str, str, bool | None]]) -> None:
    """Rows of (what, measured, target, passed); passed None for figures without a target."""
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    head = ("measure", "measured", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths)) + "  result"
    print(line)
    print("-" * len(line))
    for what, measured, target, ok in rows:
        result = "" if ok is None else verdict(ok)
        print(f"{what.ljust(widths[0])}  {measured.ljust(widths[1])}  {target.ljust(widths[2])}  {result}")


# --------------------------------------------------------------------------- processes


def settings_env(settings: Settings, **extra: Any) -> dict[str, str]:
    """The environment that makes `vigie serve` / `vigie worker` use `settings` (and `extra`)."""
    values = {
        "env": settings.env, "base_url": settings.base_url, "host": settings.host, "port": settings.port,
        "var_dir": settings.var_dir, "database_url": settings.database_url, "valkey_url": settings.valkey_url,
        "secret_key": settings.secret_key, "secure_cookies": settings.secure_cookies,
        "dev_outbox": settings.dev_outbox, "outbox_dir": settings.outbox_dir,
        "run_workers_in_process": False, "worker_concurrency": settings.worker_concurrency,
        "push_jobs_per_worker": settings.push_jobs_per_worker, "smtp_host": settings.smtp_host, "smtp_port": settings.smtp_port,
        "sms_provider": settings.sms_provider, "sms_http_url": settings.sms_http_url,
        "sms_api_key": settings.sms_api_key, "sms_rate_per_second": settings.sms_rate_per_second,
        "vapid_private_key_file": settings.vapid_private_key_file,
        "push_allow_http_loopback": settings.push_allow_http_loopback, "log_level": settings.log_level,
        "retention_delivery_days": settings.retention_delivery_days,
        "retention_pause_ratio": settings.retention_pause_ratio,
        **extra,
    }  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env["VIGIE_ENV"] = settings.env  # no config/<env>.toml for "bench": only default.toml, then these
    for name, value in values.items():
        env[f"VIGIE_{name.upper()}"] = ("1" if value else "0") if isinstance(value, bool) else str(value)
    return env


@dataclass
class Processes:
    """`vigie serve` and `vigie worker` children, stopped (SIGTERM, then kill) on exit."""

    env: dict[str, str]
    log_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "backend.cli", *args], env=env or self.env, cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        log.close()
        self.procs[name] = proc
        return proc

    def serve(self) -> subprocess.Popen[bytes]:
        return self.start("api", "serve")

    def workers(self, count: int, metrics_ports: list[int] | None = None) -> list[subprocess.Popen[bytes]]:
        """`count` workers; with `metrics_ports`, worker i serves its metrics on port i."""
        return [self.start(f"worker{i + 1}", "worker", env={
            **self.env, "VIGIE_WORKER_METRICS_PORT": str(metrics_ports[i])} if metrics_ports else None)
            for i in range(count)]

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(proc.pid) for name, proc in self.procs.items()}

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")

    def print_logs(self, lines: int = 15) -> None:
        """The last lines of each child's log (when something went wrong)."""
        for name in self.procs:
            tail = (self.log_dir / f"{name}.log").read_text(errors="replace").splitlines()[-lines:]
            print(f"--- {name}.log (last {len(tail)} lines)", *tail, sep="\n")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def wait_http(url: str, processes: Processes, timeout: float = 30.0) -> None:
    """Block until `url` answers 200 (the API has finished starting)."""
    deadline = time.monotonic() + timeout
    while True:
        processes.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:g} s")
        time.sleep(0.1)


async def wait_workers(valkey_url: str, processes: Processes, count: int, settings: Settings,
                       timeout: float = 30.0) -> None:
    """Block until `count` worker processes poll their queues (their BLMOVEs are parked in Valkey)."""
    from backend.lib.valkey import make_client
    from backend.worker import polling_slots

    slots = count * polling_slots(settings)
    client = make_client(valkey_url)
    deadline = time.monotonic() + timeout
    try:
        while (await client.info("clients"))["blocked_clients"] < 0.9 * slots:
            processes.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} worker process(es) did not start within {timeout:g} s")
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()


# --------------------------------------------------------------------------- data


@dataclass
class Community:
    id: int
    commune: int
    members: list[int]


async def make_community(name: str, members: int, password_hash: str, *, first_member: int = 0,
                         insee: str = "45999") -> Community:
    """A commune (created unless `insee` exists), a community and `members` active members, in bulk."""
    from backend.auth.tables import User
    from backend.communities.tables import Commune, Community as CommunityTable, Membership
    from backend.lib import clock
    from backend.lib.sql import bulk_insert

    found = await Commune.select(Commune.id).where(Commune.insee_code == insee).first()
    commune = found["id"] if found else (await Commune.insert(Commune(
        name="Bellerive-sur-Loire", insee_code=insee, postal_codes="45100")).returning(Commune.id))[0]["id"]
    community = (await CommunityTable.insert(CommunityTable(
        commune=commune, name=name, center_lat=47.9, center_lon=1.9, radius_m=600)).returning(CommunityTable.id))[0]["id"]
    now = clock.now()
    numbers = range(first_member, first_member + members)
    await bulk_insert(User, ["email", "password_hash", "first_name", "last_name", "phone", "phone_mobile",
                             "address_line1", "address_line2", "postal_code", "city", "country", "locale", "is_moderator",
                             "is_admin", "is_suspended", "address_verified", "created_at"],
                      [(f"voisin{i}@bench.vigie.fr", password_hash, f"Voisin{i}", "Banc", f"+336{10000000 + i}", True,
                        f"{1 + i % 200} rue des Tilleuls", "", "45100", "Bellerive-sur-Loire", "FR", "fr",
                        False, False, False, True, now) for i in numbers], ignore_conflicts=False)
    emails = [f"voisin{i}@bench.vigie.fr" for i in numbers]
    ids = [r["id"] for r in await User.select(User.id).where(User.email.is_in(emails)).order_by(User.id)]
    await bulk_insert(Membership, ["user", "community", "status", "role", "created_at", "activated_at"],
                      [(uid, community, "active", "member", now, now) for uid in ids], ignore_conflicts=False)
    return Community(community, commune, ids)


async def open_sessions(user_ids: Sequence[int]) -> dict[int, str]:
    """A login session (cookie token) per user, as the login endpoint would create."""
    from backend.auth.sessions import create_session

    return {uid: await create_session(uid, int(timedelta(days=1).total_seconds()), "bench") for uid in user_ids}


def csrf_token(base_url: str) -> str:
    """The `csrftoken` cookie any GET sets (double-submit: not tied to a session)."""
    with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=5) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "csrftoken":
                return rest.split(";", 1)[0]
    raise RuntimeError("no csrftoken cookie from GET /api/v1/health")
