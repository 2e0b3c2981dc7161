"""A real API server (uvicorn subprocess) and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from backend.lib.embedded import free_port
from backend.settings import ROOT, Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


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
        self.log_path = log_dir / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "LiveServer":
        from backend.delivery.vapid import ensure_vapid_keys
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


@pytest.fixture(scope="session")
def fx_server(fx_base_settings: Settings, fx_engine: Any, fx_tmp: Path) -> Any:
    server = LiveServer(fx_base_settings, fx_tmp).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def fx_browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def fx_page(fx_browser: Any, fx_server: LiveServer, fx_settings: Settings) -> AsyncIterator[Any]:
    """A fresh browser context (phone-sized) on the live server; console errors fail the test."""
    context = await fx_browser.new_context(base_url=fx_server.url, viewport={"width": 390, "height": 844},
                                           locale="fr-FR")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # "Failed to load resource" is the browser noting an HTTP error status (e.g. the 401 of
    # /auth/me before login), which the app handles; anything else logged as an error counts.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    await context.close()
