"""`vigie` with VIGIE_ENV=production: run and demo refuse, serve refuses unsafe settings and demo
accounts, and a safe serve answers with HSTS and no server product name."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from backend.settings import ROOT
from tests.cli.conftest import migrated_copy

SAFE = {"VIGIE_BASE_URL": "https://vigie.example.fr", "VIGIE_SECURE_COOKIES": "true", "VIGIE_DEV_OUTBOX": "false",
        "VIGIE_SECRET_KEY": "k3J9-vQ2pX8wL5mN1rT7yU4iO6aS0dF2gH8jK3lZ5xC", "VIGIE_VALKEY_URL": "redis://127.0.0.1:9/0"}


def environment(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update({"VIGIE_DATABASE_URL": f"sqlite:///{tmp / 'prod.db'}", "VIGIE_VAR_DIR": str(tmp),
                "VIGIE_OUTBOX_DIR": str(tmp / "outbox"), "VIGIE_VAPID_PRIVATE_KEY_FILE": str(tmp / "vapid.pem"),
                "VIGIE_LOG_LEVEL": "WARNING", **extra})
    return env


def vigie(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_vigie_demo_refuses_production_and_seeds_nothing(tmp_path, fx_migrated_sqlite):
    migrated_copy(fx_migrated_sqlite, tmp_path / "prod.db")
    refused = vigie(environment(tmp_path, VIGIE_ENV="production", **SAFE), "demo", "--force")
    assert refused.returncode == 2
    assert "refuses to run with VIGIE_ENV=production" in refused.stderr
    assert "vigie-demo-2026" not in refused.stdout
    # the database is still empty: the same database outside production gets the demo
    seeded = vigie(environment(tmp_path, VIGIE_ENV="test"), "demo")
    assert seeded.returncode == 0 and "admin@demo.vigie.fr" in seeded.stdout


def test_vigie_run_refuses_production_before_starting_anything(tmp_path):
    refused = vigie(environment(tmp_path, VIGIE_ENV="production", **SAFE), "run", timeout=60)
    assert refused.returncode == 2
    assert "`vigie run` refuses to run with VIGIE_ENV=production" in refused.stderr
    assert not (tmp_path / "prod.db").exists() and not (tmp_path / "valkey").exists()


def test_vigie_serve_in_production_with_dev_defaults_names_every_problem(tmp_path):
    refused = vigie(environment(tmp_path, VIGIE_ENV="production"), "serve", timeout=60)
    assert refused.returncode == 2
    for name in ("secure_cookies", "dev_outbox", "base_url", "secret_key"):
        assert name in refused.stderr, refused.stderr


def test_vigie_worker_refuses_unsafe_production_settings(tmp_path):
    refused = vigie(environment(tmp_path, VIGIE_ENV="production", **{**SAFE, "VIGIE_DEV_OUTBOX": "true"}), "worker",
                    timeout=60)
    assert refused.returncode == 2 and "dev_outbox" in refused.stderr


def test_vigie_serve_in_production_refuses_a_database_with_demo_accounts(tmp_path, fx_migrated_sqlite):
    test_env = environment(tmp_path, VIGIE_ENV="test")
    migrated_copy(fx_migrated_sqlite, tmp_path / "prod.db")
    assert vigie(test_env, "demo").returncode == 0
    refused = vigie(environment(tmp_path, VIGIE_ENV="production", VIGIE_PORT=str(free_port()), **SAFE), "serve",
                    timeout=60)
    assert refused.returncode != 0
    assert "demo accounts exist" in refused.stderr and "admin@demo.vigie.fr" in refused.stderr


def test_vigie_serve_in_production_sends_hsts_and_no_server_product(tmp_path, fx_migrated_sqlite):
    migrated_copy(fx_migrated_sqlite, tmp_path / "prod.db")
    port = free_port()
    env = environment(tmp_path, VIGIE_ENV="production", VIGIE_PORT=str(port), **SAFE)
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        response = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/ping", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response is not None, server.communicate(timeout=5)
        assert response.status_code == 200 and response.json() == {"pong": True}
        assert "server" not in response.headers, response.headers.get("server")
        assert response.headers["strict-transport-security"] == "max-age=31536000"
    finally:
        server.terminate()
        server.wait(15)
