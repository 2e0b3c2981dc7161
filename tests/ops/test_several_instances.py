"""Several instances, one truth (issue 13, point 1): 2 `vigie serve` and 2 `vigie worker`
processes on one PostgreSQL database and one standalone valkey-server, with the loopback push
service, the mail catcher and the SMS provider emulator as the far side.

- one alert posted on instance A: every delivery reaches its receiver exactly once;
- an SSE client on instance B hears that alert;
- a rate limit holds across instances (wrong passwords half on A, half on B);
- a scheduled mairie broadcast, due when both workers start together, is sent once;
- a check-in period that ended unanswered escalates once, both workers catching up together.

PostgreSQL pass only (`pytest --db=postgres`): several hosts never share one SQLite file.
Migrations running once when two instances start together: tests/ops/test_migrate_once.py.
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from backend.alerts.tables import Alert
from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound, CheckinWatcher
from backend.communities.tables import Community
from backend.delivery.schemas import Preferences
from backend.delivery.tables import Delivery
from backend.demo import make_user
from backend.devtools.loopback import free_port
from backend.lib import clock
from backend.lib.valkey import make_client
from backend.mairie.tables import Broadcast
from backend.settings import Settings
from tests.fixtures.channels import SMS_KEY
from tests.alerts.helpers import ALERT, idem, neighbourhood
from tests.conftest import TEST_PASSWORD, Api
from tests.e2e.conftest import server_env
from tests.mairie.helpers import BROADCAST
from tests.ops.helpers import postgres_only, vigie, vigie_process

MEMBERS = 12
PARIS = ZoneInfo("Europe/Paris")  # check-in hours are Paris time
BROADCAST_KIND, MISSED_KIND = "mairie_broadcast", "checkin_missed"  # Delivery.kind of each
LOGIN_LIMIT = 4
MESSAGE_ID = re.compile(r"<vigie\.delivery\.(\d+)\.")


class HttpApi(Api):
    """Api (CSRF cookie and header, login) over real HTTP to one `vigie serve`."""

    def __init__(self, url: str, name: str = "anonymous", verify: Any = True) -> None:
        self.name = name
        self.http = httpx.AsyncClient(base_url=url, timeout=20, verify=verify)


class Instances:
    """The processes of the test: `serve(name)`, `workers(n)`; `stop()` ends them all."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[Any] = []
        self.urls: dict[str, str] = {}

    def _start(self, command: str, name: str, **env: str) -> Any:
        log = open(self.log_dir / f"{name}.log", "w")
        proc = vigie_process(command, env={**self.env, **env}, log=log)
        self.procs.append((name, proc, log))
        return proc

    def serve(self, name: str) -> None:
        port = free_port()
        self.urls[name] = f"http://127.0.0.1:{port}"
        self._start("serve", name, VIGIE_PORT=str(port), VIGIE_BASE_URL=self.urls[name])

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n" + (self.log_dir / f"{name}.log").read_text()[-2000:]
                         for name, _, _ in self.procs)

    async def healthy(self, timeout: float = 45) -> None:
        """Every API answers its health check."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as http:
            for url in self.urls.values():
                while True:
                    for name, proc, _ in self.procs:
                        assert proc.poll() is None, f"{name} exited ({proc.returncode}):\n{self.logs()}"
                    try:
                        if (await http.get(url + "/api/v1/health")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    assert time.monotonic() < deadline, f"{url} not healthy after {timeout} s:\n{self.logs()}"
                    await asyncio.sleep(0.2)

    def stop(self) -> None:
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc, log in self.procs:
            try:
                proc.wait(20)
            except Exception:
                proc.kill()
                proc.wait()
            log.close()


async def wait_until(predicate: Any, timeout: float, what: str, logs: Any = lambda: "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not reached after {timeout} s\n{logs()}"
        await asyncio.sleep(0.2)


async def sse_events(http: httpx.AsyncClient, url: str, into: list[tuple[str, str]]) -> None:
    """Read the live stream at `url`, appending (event, data) for each event."""
    async with http.stream("GET", url, headers={"accept": "text/event-stream"}, timeout=None) as r:
        assert r.status_code == 200, r.status_code
        event, data = None, []
        async for line in r.aiter_lines():
            if line == "":
                if event is not None:
                    into.append((event, "\n".join(data)))
                event, data = None, []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())


async def a_checkin_that_went_unanswered(person: int, watchers: list[int], community: int) -> int:
    """Odette's daily check-in, watched for three days by two neighbours; today's hour (3 h ago,
    one hour of grace) went by without news and no driver ran since: the next run alerts them."""
    now = clock.now()
    local = now.astimezone(PARIS)
    check_time = (local - timedelta(hours=3)).strftime("%H:%M")
    rows = await Checkin.insert(Checkin(
        community=community, person=person, created_by=person, check_time=check_time, every_days=1,
        starts_on=(local - timedelta(days=3)).date(), grace_minutes=60, consent_method="app",
        consent_given_by="Odette", consent_at=now - timedelta(days=3), consent_recorded_by=person,
        person_confirmation="confirmed", confirmed_at=now - timedelta(days=3), confirmed_via="app",
        watch_from=now - timedelta(days=3), created_at=now - timedelta(days=3))).returning(Checkin.id)
    checkin = rows[0]["id"]
    for watcher in watchers:
        await CheckinWatcher.insert(CheckinWatcher(checkin=checkin, user=watcher, status="accepted",
                                                   invited_by=person, answered_at=now - timedelta(days=3)))
    return checkin


async def received_once(push: Any, mail: Any, sms: Any, rows: list[dict[str, Any]]) -> None:
    """Every sent delivery in `rows` reached its receiver exactly once, and nothing else arrived."""
    got: collections.Counter[tuple[str, int]] = collections.Counter()
    for p in push.received:
        got["push", int(p.json["delivery_id"])] += 1
    for m in mail.messages:
        found = MESSAGE_ID.match(m.message["Message-ID"] or "")
        assert found, f"a mail without a delivery's Message-ID: {m.message['Subject']}"
        got["email", int(found.group(1))] += 1
    for s in sms.messages:
        got["sms", int(s.ref)] += 1
    sent = {(r["channel"], r["id"]) for r in rows if r["state"] == "sent"}
    twice = {key: n for key, n in got.items() if n != 1}
    assert not twice, f"received more than once: {twice}"
    assert set(got) == sent, (f"sent but not received: {sorted(sent - set(got))}; "
                              f"received without a sent row: {sorted(set(got) - sent)}")


async def test_two_apis_and_two_workers_on_one_database_and_one_valkey_do_everything_once(
        fx_settings: Settings, fx_password_hash: str, fx_push: Any, fx_sms: Any, fx_mail: Any,
        fx_valkey: Any, tmp_path: Path) -> None:
    postgres_only(fx_settings.database_url)
    started = time.monotonic()
    env = server_env(fx_settings, 0, VIGIE_RUN_WORKERS_IN_PROCESS="false", VIGIE_SMS_PROVIDER="http",
                     VIGIE_SMS_HTTP_URL=fx_sms.messages_url, VIGIE_SMS_API_KEY=SMS_KEY,
                     VIGIE_SMS_RATE_PER_SECOND="1000", VIGIE_RETRY_BACKOFF_SCALE="0.01",
                     VIGIE_MAINTENANCE_INTERVAL_SECONDS="0.5",
                     VIGIE_LOGIN_ATTEMPTS_PER_15MIN=str(LOGIN_LIMIT))
    assert vigie("vapid", env=env).returncode == 0
    for receiver in (fx_push, fx_sms, fx_mail):
        receiver.clear()
    run = Instances(env, tmp_path)
    clients: list[HttpApi] = []
    stream: asyncio.Task | None = None
    try:
        run.serve("api-a")
        run.serve("api-b")
        # The people, while the APIs start: a neighbourhood (one push device each, SMS for a third),
        # the town hall's staff, a check-in whose hour went by unanswered.
        hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, MEMBERS,
                                   prefs_for=lambda i: Preferences(sms=i % 3 == 0))
        commune = (await Community.select(Community.commune).where(Community.id == hood.community).first())["commune"]
        await make_user("mairie@test.vigie.fr", "Maire", "Test", password_hash=fx_password_hash, staff_of=commune)
        checkin = await a_checkin_that_went_unanswered(hood.members[0], hood.members[1:3], hood.community)
        await run.healthy()
        a, b = run.urls["api-a"], run.urls["api-b"]

        def client(url: str) -> HttpApi:
            clients.append(HttpApi(url))
            return clients[-1]

        # A broadcast scheduled on B for later; its time has come by when the workers start.
        staff = client(b)
        await staff.login("mairie@test.vigie.fr")
        r = await staff.post(f"/api/v1/communes/{commune}/broadcasts",
                             {**BROADCAST, "scheduled_at": (clock.now() + timedelta(hours=1)).isoformat()})
        assert r.status_code == 201 and r.json()["status"] == "scheduled", r.text
        broadcast = r.json()["id"]
        await Broadcast.update({Broadcast.scheduled_at: clock.now() - timedelta(seconds=1)}).where(
            Broadcast.id == broadcast)

        # A rate limit shared by the instances: wrong passwords two on A, two on B, then refused on both.
        intruders = [client(a), client(b)]
        for i in range(LOGIN_LIMIT):
            wrong = await intruders[i % 2].post("/api/v1/auth/login", {"email": hood.emails[hood.members[5]],
                                                                       "password": "pas le bon"})
            assert wrong.status_code == 401, wrong.text
        for intruder in intruders:
            refused = await intruder.post("/api/v1/auth/login", {"email": hood.emails[hood.members[5]],
                                                                 "password": TEST_PASSWORD})
            assert refused.status_code == 429, refused.text

        # A neighbour listens on B.
        listener = client(b)
        await listener.login(hood.emails[hood.members[3]])
        heard: list[tuple[str, str]] = []
        stream = asyncio.create_task(sse_events(listener.http, "/api/v1/live", heard))
        valkey = make_client(fx_settings.valkey_url)
        try:
            channel = f"community:{hood.community}"
            await wait_until(lambda: _subscribed(valkey, channel), 15, "the listener on B subscribed")
        finally:
            await valkey.aclose()

        # The alert, posted on A.
        author = client(a)
        await author.login("auteur@test.vigie.fr")
        r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
        assert r.status_code == 201, r.text
        alert = r.json()["id"]

        # Both workers start together: both find the broadcast due and the check-in unanswered.
        run._start("worker", "worker-1")
        run._start("worker", "worker-2")

        async def heard_alert() -> bool:
            return any(e == "alert.created" and f'"id":{alert}' in d.replace(" ", "") for e, d in heard)

        await wait_until(heard_alert, 15, "the alert posted on A heard on B", run.logs)

        async def settled() -> list[dict[str, Any]] | None:
            events = await CheckinEvent.select(CheckinEvent.id, CheckinEvent.type).where(
                CheckinEvent.checkin == checkin)
            sent = await Broadcast.select(Broadcast.status).where(Broadcast.id == broadcast).first()
            rows = await Delivery.select()
            seen[:] = [sent["status"], [e["type"] for e in events],
                       sorted(collections.Counter((r["kind"], r["channel"], r["state"]) for r in rows).items())]
            if (sent["status"] != "sent" or not any(e["type"] == "escalated" for e in events)
                    or not {r["ref_id"] for r in rows if r["kind"] == "alert"} == {alert}
                    or any(r["state"] in ("queued", "sending") for r in rows)):
                return None
            if not {"alert", BROADCAST_KIND, MISSED_KIND} <= {r["kind"] for r in rows}:
                return None
            return rows

        seen: list[Any] = []
        await wait_until(settled, 40, "every delivery settled", lambda: f"{seen}\n{run.logs()}")
        await asyncio.sleep(1.5)  # anything sent twice has time to arrive
        rows = await Delivery.select()
        assert not [r for r in rows if r["state"] in ("queued", "sending", "failed")], rows

        # Exactly once, counted at the receivers.
        await received_once(fx_push, fx_mail, fx_sms, rows)
        alert_rows = [r for r in rows if r["kind"] == "alert" and r["ref_id"] == alert]
        expected = {(uid, "push") for uid in hood.members} | {(uid, "email") for uid in hood.members} | {
            (uid, "sms") for i, uid in enumerate(hood.members) if i % 3 == 0}
        assert {(r["user"], r["channel"]) for r in alert_rows if r["state"] == "sent"} == expected
        assert await Alert.count() == 1

        # The broadcast left once; the check-in escalated once, for one period.
        assert (await Broadcast.select(Broadcast.status).where(Broadcast.id == broadcast).first())["status"] == "sent"
        broadcast_rows = [r for r in rows if r["kind"] == BROADCAST_KIND]
        assert {r["ref_id"] for r in broadcast_rows} == {broadcast}
        assert {r["user"] for r in broadcast_rows if r["channel"] == "push"} >= set(hood.members)
        events = await CheckinEvent.select(CheckinEvent.type).where(CheckinEvent.checkin == checkin)
        assert [e["type"] for e in events].count("escalated") == 1, events
        assert await CheckinRound.count().where(CheckinRound.checkin == checkin) == 1
        missed = [r for r in rows if r["kind"] == MISSED_KIND]
        assert {(r["user"], r["channel"]) for r in missed if r["channel"] == "push"} == {
            (uid, "push") for uid in hood.members[1:3]}

        assert time.monotonic() - started < 90, "the test became slow"
    finally:
        if stream is not None:
            stream.cancel()
            await asyncio.gather(stream, return_exceptions=True)
        for c in clients:
            await c.aclose()
        run.stop()


async def _subscribed(valkey: Any, channel: str) -> bool:
    return dict(await valkey.pubsub_numsub(channel))[channel.encode()] > 0
