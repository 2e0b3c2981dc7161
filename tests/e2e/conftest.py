"""A real API server (uvicorn subprocess) and Debian's headless Chromium driven by Playwright.

Data is made from the test process with the builders (the server uses the same database);
people act through the browser, or through `LiveApi` (HTTP to the same server) for the others.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import httpx
import pytest

from backend.demo import make_commune, make_community, make_user
from backend.devtools.loopback import free_port
from backend.settings import ROOT, Settings
from tests.conftest import TEST_PASSWORD
from tests.fixtures.channels import fx_push  # noqa: F401  (fixture)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "fr-FR"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason="Debian chromium is not installed"))


def server_env(settings: Settings, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update({
        "VIGIE_ENV": "test", "VIGIE_DATABASE_URL": settings.database_url, "VIGIE_VALKEY_URL": settings.valkey_url,
        "VIGIE_SMTP_PORT": str(settings.smtp_port), "VIGIE_OUTBOX_DIR": str(settings.outbox_path),
        "VIGIE_VAR_DIR": str(settings.var_path), "VIGIE_SECRET_KEY": settings.secret_key,
        "VIGIE_VAPID_PRIVATE_KEY_FILE": str(settings.path(settings.vapid_private_key_file)),
        "VIGIE_BASE_URL": f"http://127.0.0.1:{port}", "VIGIE_HOST": "127.0.0.1", "VIGIE_PORT": str(port),
        "VIGIE_RUN_WORKERS_IN_PROCESS": "true", "VIGIE_SECURE_COOKIES": "false", "VIGIE_LOG_LEVEL": "WARNING",
    })
    env.update(extra)
    return env


class LiveServer:
    """`vigie serve` in a subprocess on a free loopback port."""

    def __init__(self, settings: Settings, log_dir: Path, **extra_env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = server_env(settings, self.port, **extra_env)
        # Its own Valkey database: the live server's in-process workers must not take jobs
        # queued by the in-process apps of other tests (and send them with other settings).
        self.env.setdefault("VIGIE_VALKEY_URL", settings.valkey_url)
        self.env["VIGIE_VALKEY_URL"] = self.env["VIGIE_VALKEY_URL"].rsplit("/", 1)[0] + "/1"
        self.log_path = log_dir / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "LiveServer":
        from backend.delivery.channels.vapid import ensure_vapid_keys
        from backend.settings import load_settings

        ensure_vapid_keys(load_settings(env=self.env))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve"], cwd=ROOT, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class SharedServer:
    """The live server of the suite's settings, kept from one browser test file to the next in this
    process: `vigie serve` took ~2.5-4 s to start (~35 of the 41 files used it, a start each).

    It is stopped as soon as the next test of this process is not one of them (`stop_unless_next`):
    no live server (and no worker of its own, sharing our database and taking the jobs queued on its
    Valkey database) is left running beside the rest of the suite or beside a file's own server. Its
    state between files is what it already was between the tests of one file: the tables and Valkey
    are emptied before each test (tests/conftest.py's `fx_clean`)."""

    server: LiveServer | None = None

    @classmethod
    def get(cls, settings: Settings, log_dir: Path) -> LiveServer:
        if cls.server is None or cls.server.proc is None or cls.server.proc.poll() is not None:
            cls.stop()
            cls.server = LiveServer(settings, log_dir).start()
        return cls.server

    @classmethod
    def stop(cls) -> None:
        if cls.server is not None:
            cls.server.stop()
            cls.server = None

    @classmethod
    def stop_unless_next(cls, nextitem: pytest.Item | None) -> None:
        """After a test: stop the server unless the next test runs on it (this conftest's `fx_server`)."""
        if cls.server is None:
            return
        defs = getattr(getattr(nextitem, "_fixtureinfo", None), "name2fixturedefs", {}).get("fx_server")
        if not defs or defs[-1].baseid != "tests/e2e":
            cls.stop()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    SharedServer.stop_unless_next(nextitem)


@pytest.fixture(scope="module")
def fx_server(fx_base_settings: Settings, fx_engine: Any, fx_tmp: Path) -> Any:
    """The live server of the suite's settings, shared by consecutive browser test files (`SharedServer`)."""
    return SharedServer.get(fx_base_settings, fx_tmp)


@pytest.fixture(scope="session")
def fx_push_service(fx_push: Any) -> Any:
    """The loopback Web Push service (tests/fixtures/channels.py's `fx_push`): the server's real
    pushes land there, decrypted, and the test hands them to the browser's worker via CDP."""
    return fx_push


@pytest.fixture(scope="session")
async def fx_playwright() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
async def fx_browser(fx_playwright: Any) -> AsyncIterator[Any]:
    browser = await fx_playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    await browser.close()


def collect_errors(page: Any) -> list[str]:
    """Uncaught exceptions and console errors of the page, kept on `page.errors`."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # "Failed to load resource" is the browser noting an HTTP error status (e.g. the 401 of
    # /auth/me before login), which the app handles; anything else logged as an error counts.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.errors = errors  # type: ignore[attr-defined]
    return errors


@pytest.fixture
async def fx_page(fx_browser: Any, fx_server: LiveServer, fx_settings: Settings) -> AsyncIterator[Any]:
    """A fresh browser context (phone-sized) on the live server; console errors fail the test."""
    context = await fx_browser.new_context(base_url=fx_server.url, **PHONE)
    page = await context.new_page()
    collect_errors(page)
    yield page
    await context.close()


@pytest.fixture
async def fx_persistent(fx_playwright: Any, fx_server: LiveServer, fx_settings: Settings,
                        tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """`context = await fx_persistent()`: a phone-sized persistent context (its own profile
    directory) with notifications and Background Sync granted. Installability checks, Background
    Sync and notifications need one; closed at the end of the test."""
    contexts: list[Any] = []

    async def launch(**options: Any) -> Any:
        profile = tmp_path / f"profile-{len(contexts)}"
        context = await fx_playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, base_url=fx_server.url,
            **{**PHONE, **options})
        await context.grant_permissions(["notifications", "background-sync"], origin=fx_server.url)
        context.set_default_timeout(10_000)
        # The service worker's console errors count too. (Listening also keeps Playwright's
        # runtime session on the worker: without it, a push delivered through CDP could sit
        # unhandled until something was evaluated in the worker.)
        context.worker_errors = []
        context.on("console", lambda msg: context.worker_errors.append(msg.text)
                   if msg.worker and msg.type == "error" else None)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        await context.close()


async def browser_login(context: Any, email: str, password: str = TEST_PASSWORD) -> None:
    """Log the browser context in through the API (the cookies land in the context).

    After `clear_cookies()` an open page's own requests (its live stream reconnecting, a refresh) can be
    given a new CSRF cookie between our read of the token and the login: the server then rightly refuses
    the stale header. That answer, and only it, is tried again with the token of the moment.
    """
    for _ in range(3):
        await context.request.get("/api/v1/ping")  # for the CSRF cookie
        token = next(c["value"] for c in await context.cookies() if c["name"] == "csrftoken")
        response = await context.request.post("/api/v1/auth/login", data={"email": email, "password": password},
                                              headers={"x-csrftoken": token})
        if response.status != 403 or (await response.json()).get("code") != "csrf_failed":
            break
    assert response.ok, await response.text()


class HeldStreams:
    """`held = await HeldStreams.on(page.context)`: the PWA's live streams (/api/v1/live) wait before they
    reach the server until `held.release()` (`held.asked` is set once one has been asked for). What is
    published meanwhile reaches no stream: the screen must catch up once its stream is ready."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self._released = asyncio.Event()

    @classmethod
    async def on(cls, context: Any) -> "HeldStreams":
        held = cls()
        await context.route("**/api/v1/live*", held._hold)  # the context's routes see the worker's fetches too
        return held

    async def _hold(self, route: Any) -> None:
        self.asked.set()
        await self._released.wait()
        await route.continue_()

    async def wait_asked(self) -> None:
        await asyncio.wait_for(self.asked.wait(), 30)

    def release(self) -> None:
        self._released.set()


@asynccontextmanager
async def person_page(browser: Any, server: "LiveServer", email: str, device: dict[str, Any] | None = None
                      ) -> AsyncIterator[Any]:
    """`async with person_page(fx_browser, fx_server, email) as page:` another person's phone (or the
    `device` given, e.g. a laptop): a fresh context logged in as `email` (console errors on
    `page.errors`), closed after."""
    context = await browser.new_context(base_url=server.url, **(device or PHONE))
    try:
        page = await context.new_page()
        collect_errors(page)
        await browser_login(context, email)
        yield page
    finally:
        await context.close()


class LiveApi:
    """One person talking HTTP to the live server (CSRF cookie and header handled)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10)

    async def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        if "csrftoken" not in self.http.cookies:
            await self.http.get("/api/v1/ping")
        headers = {"x-csrftoken": self.http.cookies.get("csrftoken", ""), **kw.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kw)

    async def login(self, email: str, password: str = TEST_PASSWORD) -> "LiveApi":
        response = await self.request("POST", "/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return self

    async def post_alert(self, community_id: int, key: str, **fields: Any) -> dict[str, Any]:
        body = {"category": "suspicious_vehicle", "title": "Camionnette blanche",
                "body": "Elle tourne rue des Lilas depuis une heure.", "place": "Rue des Lilas", **fields}
        response = await self.request("POST", f"/api/v1/communities/{community_id}/alerts", json=body,
                                      headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
async def fx_live_api(fx_server: LiveServer) -> AsyncIterator[Callable[[str], Awaitable[LiveApi]]]:
    """`alice = await fx_live_api("alice@test.vigie.fr")`: a logged-in HTTP client."""
    clients: list[LiveApi] = []

    async def as_user(email: str) -> LiveApi:
        client = LiveApi(fx_server.url)
        clients.append(client)
        return await client.login(email)

    yield as_user
    for client in clients:
        await client.http.aclose()


@dataclass
class Neighbours:
    community: int
    alice: int  # active member, posts alerts through the API
    odette: int  # active member, the one in the browser
    moderator: int

    ALICE = "alice@test.vigie.fr"
    ODETTE = "odette@test.vigie.fr"
    MODERATOR = "moderation@test.vigie.fr"


@pytest.fixture
async def fx_neighbours(fx_settings: Settings, fx_password_hash: str) -> Neighbours:
    """Les Tilleuls (Bellerive-sur-Loire) with two active members and a moderator."""
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    alice = await make_user(Neighbours.ALICE, "Alice", "Martin", password_hash=fx_password_hash,
                            phone="+33611000001", community_id=community)
    odette = await make_user(Neighbours.ODETTE, "Odette", "Lambert", password_hash=fx_password_hash,
                             phone="+33611000002", community_id=community)
    moderator = await make_user(Neighbours.MODERATOR, "Luc", "Moreau", password_hash=fx_password_hash,
                                phone="+33611000003", is_moderator=True)
    return Neighbours(community, alice, odette, moderator)


async def wait_controlled(page: Any) -> None:
    """Until the service worker controls the page (it claims its clients once activated)."""
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll an async predicate (e.g. a database count) until it holds, or fail after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not reached after {timeout} s")
        await asyncio.sleep(0.1)


async def wait_for_js(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Until an async page expression is truthy (wait_for_function does not await promises)."""
    await wait_until(lambda: page.evaluate(expression), timeout, what=expression)


async def worker_registration(context: Any, page: Any = None) -> tuple[Any, str]:
    """A CDP session with the ServiceWorker domain on, and the id of the app's worker
    registration, for deliverPushMessage and dispatchSyncEvent. Without `page`, the session is
    on a blank page of its own (CDP on a page loaded offline would stop its `online` event)."""
    cdp = await context.new_cdp_session(page or await context.new_page())
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda params: registrations.extend(params["registrations"]))
    await cdp.send("ServiceWorker.enable")
    await wait_until(lambda: asyncio.sleep(0, bool(registrations)), what="the worker's registration id")
    return cdp, registrations[0]["registrationId"]


async def back_online_with_two_replays(context: Any, page: Any) -> None:
    """Go back online while two outbox replays race: the worker's Background Sync (forced through
    CDP) and the page's own replay. The Web Lock and the idempotency key must make it one send."""
    cdp, registration_id = await worker_registration(context)
    await context.set_offline(False)
    origin = page.url.split("/#")[0]
    await asyncio.gather(
        cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": origin, "registrationId": registration_id,
                                                     "tag": "vigie-outbox", "lastChance": False}),
        page.evaluate("import('/js/outbox.js').then((m) => m.replayNow())"),
    )


async def open_app(launch: Callable[..., Awaitable[Any]], email: str, path: str = "/#/alertes") -> tuple[Any, Any, list[str]]:
    """A persistent context (from `fx_persistent`) logged in as `email`, its page at `path` once the
    worker controls it. Returns (context, page, the page's errors)."""
    context = await launch()
    await browser_login(context, email)
    page = context.pages[0]
    errors = collect_errors(page)
    await page.goto(path)
    await wait_controlled(page)
    return context, page, errors
