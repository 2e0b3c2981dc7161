"""The steps the worker-kill tests share: a 500-member fan-out, a `vigie worker` SIGKILLed right
after the first sends, another started at once (tests/delivery/test_worker_kill.py counts the
raw copies at the receivers; tests/e2e/test_push_kill.py hands every push copy to Chromium's
service worker).

The worker runs 2 push jobs with 8 pushes in flight each, or 8 e-mail jobs with 4 SMTP
connections each: at most 16 pushes or 32 e-mails are in flight at the kill.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from backend.delivery.schemas import Preferences
from backend.delivery.channels.vapid import ensure_vapid_keys
from backend.health import workers as heartbeats
from backend.lib.valkey import make_client
from backend.settings import Settings
from tests.alerts.helpers import ALERT, Neighbourhood, idem, neighbourhood, wait_settled
from tests.alerts.test_alert_resilience import start_worker
from tests.conftest import Api

MEMBERS = 500
WORKER_ENV = {"push": {"VIGIE_PUSH_JOBS_PER_WORKER": "2", "VIGIE_PUSH_CONCURRENCY": "8"},
              "email": {"VIGIE_WORKER_CONCURRENCY": "8", "VIGIE_EMAIL_CONNECTIONS": "4"}}
IN_FLIGHT = {"push": 2 * 8, "email": 8 * 4}


async def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached after {timeout} s")
        await asyncio.sleep(0.01)
    return value


async def counts(author: Api, alert_id: int, channel: str) -> dict[str, int]:
    r = await author.get(f"/api/v1/alerts/{alert_id}")
    assert r.status_code == 200, r.text
    return r.json()["delivery"][channel]


async def fanout_alert(app_factory: Any, settings: Settings, password_hash: str, receiver: Any,
                       channel: str) -> tuple[Neighbourhood, Api, int]:
    """MEMBERS members reached by `channel` only (push: one device each at `receiver`), and the
    author's alert posted on an app without workers: (the neighbourhood, the author, the alert id)."""
    ensure_vapid_keys(settings)
    app = await app_factory(run_workers_in_process=False)
    prefs = Preferences(push=channel == "push", email=channel == "email")
    hood = await neighbourhood(settings, password_hash, receiver, MEMBERS, prefs_for=lambda i: prefs)
    author = Api(app)
    await author.login("auteur@test.vigie.fr")
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201, r.text
    return hood, author, r.json()["id"]


@dataclass
class WorkerKill:
    """`rows = await WorkerKill(settings, channel).run(...)`, or its steps: `start()`,
    `await kill_after(arrived)`, `await take_over()`, `await finish(...)`, `stop()` in a `finally`.
    Times are `time.monotonic()`; durations in seconds."""

    settings: Settings
    channel: str
    first: subprocess.Popen | None = None
    second: subprocess.Popen | None = None
    at_kill: int = 0  # sends arrived when the first worker was dead
    killed: float = 0.0
    restarted: float = 0.0  # the new worker's first heartbeat (a live worker available)
    finished: float = 0.0  # every member reached, this long after `restarted`
    since_kill: float = 0.0  # …and this long after `killed`

    async def run(self, alert_id: int, arrived: Callable[[], int], reached: Callable[[], int],
                  while_dead: Callable[[], Awaitable[None]] | None = None) -> list[dict[str, Any]]:
        """The whole kill: `arrived()` counts the sends arrived (copies included), `reached()` the
        members reached; `while_dead()` runs between the kill and the new worker. Returns the rows."""
        self.start()
        try:
            await self.kill_after(arrived)
            if while_dead is not None:
                await while_dead()
            await self.take_over()
            return await self.finish(alert_id, reached)
        finally:
            self.stop()

    def start(self) -> None:
        self.first = start_worker(self.settings, WORKER_ENV[self.channel])

    async def kill_after(self, arrived: Callable[[], int], sends: int = 40) -> None:
        """SIGKILL the first worker (its whole process group) once `arrived()` reaches `sends`."""
        assert self.first is not None
        await wait_for(lambda: arrived() >= sends, 60, "the first sends")
        os.killpg(self.first.pid, signal.SIGKILL)
        self.killed = time.monotonic()
        self.first.wait(10)
        self.at_kill = arrived()
        assert self.at_kill < MEMBERS, "the fan-out ended before the kill: nothing tested"

    async def take_over(self) -> None:
        """Start another worker; return at its first heartbeat."""
        self.second = start_worker(self.settings, WORKER_ENV[self.channel])
        valkey = make_client(self.settings.valkey_url)
        try:
            deadline = time.monotonic() + 30
            while not any(w["pid"] == self.second.pid for w in await heartbeats.live(valkey)):
                assert time.monotonic() < deadline, "the new worker never beat"
                await asyncio.sleep(0.05)
        finally:
            await valkey.aclose()
        self.restarted = time.monotonic()

    async def finish(self, alert_id: int, reached: Callable[[], int]) -> list[dict[str, Any]]:
        """Until no row is queued or sending and `reached()` counts every member; then 1 s more
        for anything doubled late to show up. Returns the rows."""
        rows = await wait_settled(alert_id, timeout=30)
        await wait_for(lambda: reached() >= MEMBERS, 30, "every member reached")
        self.finished = time.monotonic() - self.restarted
        self.since_kill = time.monotonic() - self.killed
        await asyncio.sleep(1.0)
        return rows

    def stop(self) -> None:
        for proc in (self.first, self.second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(15)
