"""Fixtures that start the real components: Valkey, SMTP catcher, SQLite or PostgreSQL, the app.

Run on PostgreSQL with `pytest --db=postgres` (a throwaway cluster is started).
Everything async shares one session event loop (see pyproject's pytest options).
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar

from backend import apps, db
from backend.app import create_app
from backend.lib import clock
from backend.lib.valkey import make_client
from backend.live.service import LiveChannels
from backend.migrate import migrate
from backend.settings import Settings, load_settings
from tests.fixtures.services import fx_database_url, fx_mail, fx_valkey  # noqa: F401  (fixtures)

TEST_PASSWORD = "correct-horse-battery"
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""The cast's shared password hash only: argon2id still, at a test cost (Django's test hasher, in
spirit). Verifying a hash costs what its own parameters say, so every login of the builders' people
took argon2's production cost (~0.1-0.3 s on the CI machine) — hundreds of them in the suite. The app
never uses this hasher (it lives under tests/ only): `backend.auth.passwords` hashes every password
it stores at argon2-cffi's production profile, checked by tests/auth/test_password_hashing.py."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default="sqlite", choices=["sqlite", "postgres"], help="database engine for the suite")


LONGEST_FILES = (
    "tests/security/test_fuzz_api.py", "tests/ops/test_process_model.py", "tests/e2e/test_sms_fallback.py",
    "tests/security/test_guard_matrix.py", "tests/cli/test_production_refusals.py", "tests/e2e/test_push_kill.py",
    "tests/delivery/test_worker_kill.py", "tests/delivery/test_tls_channels.py", "tests/e2e/test_zoom_200.py",
    "tests/e2e/test_community_checkins.py", "tests/e2e/test_open_pages.py", "tests/e2e/test_alerts_online.py",
    "tests/auth/test_signup_and_login.py", "tests/e2e/test_mairie_screens.py", "tests/e2e/test_accessibility.py",
    "tests/e2e/test_register_flows.py", "tests/cli/test_vigie_command.py", "tests/e2e/test_community_offline.py",
    "tests/e2e/test_community_messages.py", "tests/cli/test_vigie_run_supervises.py",
    "tests/e2e/test_moderation_office.py", "tests/delivery/test_fanout_kill.py", "tests/e2e/test_community_screens.py",
    "tests/e2e/test_offline.py", "tests/e2e/test_partnership_pages.py", "tests/e2e/test_offline_everywhere.py",
)
"""The suite's longest files (a whole-suite run's per-file sums on SQLite, 2026-12-03), longest first. They run
first: with `--dist loadfile` xdist hands files out in collection order, so a long file collected
last kept one process busy while the other had finished. A file missing here only runs later."""


def longest_first(items: list[pytest.Item]) -> None:
    """LONGEST_FILES first, in that order; every file's tests stay together and in their order."""
    rank = {path: i for i, path in enumerate(LONGEST_FILES)}
    order = sorted(enumerate(items), key=lambda pair: (rank.get(pair[1].nodeid.split("::")[0], len(rank)), pair[0]))
    items[:] = [item for _, item in order]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (see LONGEST_FILES); on `--db=postgres`, leave out the tests that never
    reach the suite's database.

    The engine is chosen by one fixture, `fx_database_url`; a test whose fixtures do not lead to it
    (templates, settings, the CLI on its own SQLite files, the dependency rule...) runs exactly the
    same code on both passes, so the PostgreSQL pass would only repeat it.
    """
    longest_first(items)
    if config.getoption("--db") != "postgres":
        return
    kept, left = [], []
    for item in items:
        (kept if "fx_database_url" in getattr(item, "fixturenames", ()) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(scope="session")
def fx_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vigie")


@pytest.fixture(scope="session")
def fx_base_settings(fx_tmp: Path, fx_valkey: Any, fx_mail: Any, fx_database_url: str) -> Settings:
    return load_settings(env={"VIGIE_ENV": "test"}, overrides=dict(
        env="test", database_url=fx_database_url, valkey_url=fx_valkey.url, smtp_port=fx_mail.port,
        outbox_dir=str(fx_tmp / "outbox"), var_dir=str(fx_tmp / "var"), secret_key="test-secret-key-not-for-prod",
        vapid_private_key_file=str(fx_tmp / "var" / "vapid.pem"),
    ))


@pytest.fixture(scope="session")
async def fx_engine(fx_base_settings: Settings) -> AsyncIterator[Any]:
    """The suite's engine. On SQLite it is started once for the session (`db.start_engine`: its shared
    connection) as a user beside the apps: each app's lifespan still starts and stops it, which then only
    counts a user (as two apps of one process do), and the tests' own queries (the per-test wipe, the
    builders) no longer open a connection and a thread each, nor each app's start its connections
    (tests/alerts, tests/auth and tests/messages in 2 processes: 54.7 -> 45.4 s, 2026-12-03).

    Not on PostgreSQL: a pool kept for the session also kept the connections an app's stop had not got
    back (a worker's query cut short by the stop, left mid-statement holding its lock on `deliveries`),
    which the app's stop closes otherwise; the next per-test TRUNCATE waited on it for ever. There the
    wipe has a connection of its own (`PostgresWipe`)."""
    engine = apps.bind_engine(db.make_engine(fx_base_settings))
    await migrate(engine, quiet=True)
    session_user = not db.is_postgres_url(fx_base_settings.database_url)
    if session_user:
        await db.start_engine(engine)
    yield engine
    if session_user:
        await db.stop_engine(engine)
    if engine in _postgres_wipes:
        await _postgres_wipes.pop(engine).close()


@pytest.fixture(scope="session")
def fx_password_hash() -> str:
    return TEST_HASHER.hash(TEST_PASSWORD)


def _non_empty(tables: list[str]) -> str:
    """One query naming those of `tables` that hold a row."""
    return " UNION ALL ".join(f"SELECT '{t}' AS name WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)


class PostgresWipe:
    """The per-test wipe's own connection to PostgreSQL, kept for the whole session of this test process.

    Outside an app (whose pool is opened at its start and closed at its stop) piccolo's `run_ddl` opens
    a new connection for each statement: two a test for the wipe, ~540 tests. The wipe's statements
    are the same (`TRUNCATE ... RESTART IDENTITY CASCADE`, autocommit), on one connection; a connection
    found closed is opened again."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.connection: Any = None

    async def fetch(self, sql: str) -> list[Any]:
        if self.connection is None or self.connection.is_closed():
            self.connection = await self.engine.get_new_connection()
        return await self.connection.fetch(sql)

    async def close(self) -> None:
        if self.connection is not None and not self.connection.is_closed():
            await self.connection.close()


_postgres_wipes: dict[Any, PostgresWipe] = {}
"""The wipe's connection of each engine (one: the suite's), closed at the end of `fx_engine`."""


async def _wipe(engine: Any, settings: Settings) -> None:
    """Empty every table (ids restart at 1), touching only the tables a test wrote to: a DELETE of
    every table, each its own connection and commit, took ~0.3 s a test on SQLite; the TRUNCATE of
    all tables ~0.1 s on PostgreSQL."""
    tables = [t._meta.tablename for t in apps.all_tables()]
    if db.is_postgres_url(settings.database_url):
        run = _postgres_wipes.setdefault(engine, PostgresWipe(engine)).fetch
        # Rows, or a sequence used since its last restart (pg_sequences.last_value is NULL then).
        rows = await run(
            f"SELECT * FROM ({_non_empty(tables)}) AS t(name) UNION SELECT c.relname FROM pg_sequences s "
            "JOIN pg_class seq ON seq.relname = s.sequencename JOIN pg_depend d ON d.objid = seq.oid "
            "AND d.deptype IN ('a', 'i') JOIN pg_class c ON c.oid = d.refobjid "
            "WHERE s.schemaname = current_schema() AND s.last_value IS NOT NULL")
        # The app's tables only: piccolo's own `migration` table has a used sequence too, and emptying
        # it made the next backup say no migration had run (tests/ops/test_backup_restore.py).
        dirty = [r["name"] for r in rows if r["name"] in tables]
        if dirty:
            await run("TRUNCATE " + ", ".join(f'"{t}"' for t in dirty) + " RESTART IDENTITY CASCADE")
    else:
        # Through the app's own engine, as its writes go: a connection of our own (one transaction for
        # every DELETE) found the database locked for 30 s now and then in CI runs, behind a write of
        # the previous test's app still under way.
        for attempt in range(3):
            try:
                await _wipe_sqlite(engine, tables)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 2:
                    raise
                # Still locked after the 30 s busy timeout (fresh-clone CI runs: now and then after
                # tests/delivery/test_sms_fallback.py's first test). One cause found and fixed: a job
                # cancelled by its app's stop while its BEGIN IMMEDIATE waited kept the write lock
                # for good (backend/lib/piccolo_private.py's _ReusedConnection.execute, reproduced by
                # tests/lib/test_piccolo_private.py). Should another remain: collect, then try again.
                warnings.warn(f"per-test wipe: database locked, attempt {attempt + 1}: {exc}", stacklevel=1)
                gc.collect()


async def _wipe_sqlite(engine: Any, tables: list[str]) -> None:
    dirty = {r["name"] for r in await engine.run_ddl(_non_empty(tables))}
    for name in reversed(tables):
        if name in dirty:
            await engine.run_ddl(f'DELETE FROM "{name}"')
    if await engine.run_ddl("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        await engine.run_ddl("DELETE FROM sqlite_sequence")  # ids restart at 1, as RESTART IDENTITY does


@pytest.fixture(autouse=True)
async def fx_clean(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts with empty tables, an empty Valkey, empty outboxes and real time."""
    if "fx_engine" not in request.fixturenames and not any(
        f in request.fixturenames for f in ("fx_app", "fx_settings", "api")
    ):
        yield
        return
    engine = request.getfixturevalue("fx_engine")
    settings: Settings = request.getfixturevalue("fx_base_settings")
    await _wipe(engine, settings)
    client = make_client(settings.valkey_url)
    await client.flushall()
    await client.aclose()
    request.getfixturevalue("fx_mail").clear()
    for sub in ("letters", "sms"):
        folder = settings.outbox_path / sub
        if folder.exists():
            for f in folder.iterdir():
                f.unlink()
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def fx_settings(fx_base_settings: Settings, fx_engine: Any) -> Settings:
    return fx_base_settings


class Api:
    """An HTTP client for one person on the running app, handling the CSRF cookie/header."""

    def __init__(self, app: Litestar, name: str = "anonymous") -> None:
        self.name = name
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local")

    async def _csrf(self) -> dict[str, str]:
        token = self.http.cookies.get("csrftoken")
        if token is None:  # the cookie comes with any answer; /ping touches nothing (/health reads every component)
            await self.http.get("/api/v1/ping")
            token = self.http.cookies.get("csrftoken")
        return {"x-csrftoken": token or ""}

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.get(path, **kw)

    async def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**(await self._csrf()), **kw.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kw)

    async def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.request("POST", path, json=json, **kw)

    async def put(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.request("PUT", path, json=json, **kw)

    async def patch(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.request("PATCH", path, json=json, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kw)

    async def login(self, email: str, password: str = TEST_PASSWORD) -> httpx.Response:
        response = await self.post("/api/v1/auth/login", {"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response

    async def aclose(self) -> None:
        await self.http.aclose()


class AppPool:
    """Stopped apps kept for the next tests with the same settings, in this worker process.

    Building an app costs ~0.3 s (Litestar registers every route handler; collecting the dropped
    app's ~100,000 objects costs more again), and ~650 tests start one, nearly all with the same few
    settings. A stopped app holds nothing of its test: its lifespan opens the Valkey client, queues,
    workers and live channels' connection at each start and closes them at its stop. What could
    outlive a test is emptied when it is given back (the response cache), or the app is dropped:
    once a live stream was opened on it, since Litestar's channels plugin keeps every channel it
    has seen and subscribes to them all again at the next start (`_has_live_channels`).
    """

    def __init__(self, kinds: int = 6, per_kind: int = 2) -> None:
        self.kinds, self.per_kind = kinds, per_kind
        self.free: OrderedDict[Settings, list[Litestar]] = OrderedDict()  # least recently used first

    def take(self, settings: Settings, engine: Any) -> Litestar:
        """A stopped app of these settings, or a new one (create_app's refusals are raised as ever)."""
        free = self.free.get(settings) if _poolable(settings) else None
        return free.pop() if free else create_app(settings, engine=engine)

    async def give_back(self, settings: Settings, app: Litestar) -> None:
        """Keep a stopped app for the next tests, unless a live stream was opened on it."""
        if _has_live_channels(app) or not _poolable(settings):
            return
        await app.response_cache_config.get_store_from_app(app).delete_all()
        free = self.free.setdefault(settings, [])
        self.free.move_to_end(settings)
        if len(free) < self.per_kind:
            free.append(app)
        while len(self.free) > self.kinds:
            self.free.popitem(last=False)


def _poolable(settings: Settings) -> bool:
    """Whether apps of these settings can be pooled: the settings key the pool, so they must hash
    (a setting given as a list does not)."""
    try:
        hash(settings)
    except TypeError:
        return False
    return True


def _has_live_channels(app: Litestar) -> bool:
    """Whether the app's channels plugin has seen a channel: it subscribes to every channel it has
    seen again at its next start, so such an app would carry its test's channels into the next one.

    Litestar's ChannelsPlugin has no public way to ask (its reference, checked at 2.25, offers
    publish, wait_published, subscribe, unsubscribe, start_subscription, put_subscriber_history):
    the channels live in its private `_channels` dict, read here only. Checked, so that a Litestar
    which renames it fails every test's teardown here instead of pooling apps with channels unnoticed.
    """
    channels = getattr(app.plugins.get(LiveChannels), "_channels", None)
    assert isinstance(channels, dict), (
        "Litestar's ChannelsPlugin no longer keeps its channels in `_channels`: update _has_live_channels")
    return bool(channels)


@pytest.fixture(scope="session")
def fx_app_pool() -> AppPool:
    return AppPool()


@pytest.fixture
async def fx_app_factory(fx_settings: Settings, fx_engine: Any,
                         fx_app_pool: AppPool) -> AsyncIterator[Callable[..., Any]]:
    """Start an app with optional settings overrides: `app = await fx_app_factory(alerts_per_hour=1)`.

    Each call starts an app of its own (two calls, two running apps); stopped at the end of the test,
    it goes back to the pool (`AppPool`) for a later test with the same settings.
    """
    running: list[tuple[Settings, Litestar, asyncio.Event, asyncio.Task]] = []

    async def hold(app: Litestar, started: asyncio.Event, stop: asyncio.Event) -> None:
        # The lifespan's task group must be entered and left by one task.
        async with app.lifespan():
            started.set()
            await stop.wait()

    async def make(**overrides: Any) -> Litestar:
        settings = fx_settings.with_(**overrides)
        app = fx_app_pool.take(settings, fx_engine)
        started, stop = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(hold(app, started, stop))
        await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # startup failed: raise its error (the app is not given back)
        running.append((settings, app, stop, task))
        return app

    yield make
    for settings, app, stop, task in running:
        stop.set()
        await task
        await fx_app_pool.give_back(settings, app)


@pytest.fixture
async def fx_app(fx_app_factory: Callable[..., Any]) -> Litestar:
    return await fx_app_factory()


@pytest.fixture
async def api(fx_app: Litestar) -> AsyncIterator[Callable[..., Any]]:
    """`client = api()` (anonymous) or `client = await api.as_user(email)`: one cookie jar each."""
    clients: list[Api] = []

    class Factory:
        def __call__(self, name: str = "anonymous") -> Api:
            client = Api(fx_app, name)
            clients.append(client)
            return client

        async def as_user(self, email: str, password: str = TEST_PASSWORD) -> Api:
            client = self(email)
            await client.login(email, password)
            return client

    yield Factory()
    for c in clients:
        await c.aclose()
