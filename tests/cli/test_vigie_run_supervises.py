"""`vigie run` restarts its worker when it is killed, says so, and health sees the new one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from backend.devtools.loopback import free_port
from backend.settings import ROOT


def health(url: str) -> dict:
    try:
        with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as r:
            return json.loads(r.read())
    except OSError:
        return {}


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not reached after {timeout} s")


def test_vigie_run_brings_its_worker_back_after_a_kill(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update({"VIGIE_ENV": "test", "VIGIE_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
                "VIGIE_VAR_DIR": str(tmp_path), "VIGIE_OUTBOX_DIR": str(tmp_path / "outbox"),
                "VIGIE_VAPID_PRIVATE_KEY_FILE": str(tmp_path / "vapid.pem"), "VIGIE_PORT": str(port),
                "VIGIE_BASE_URL": url, "VIGIE_SMTP_PORT": str(free_port()), "VIGIE_RUN_WORKERS_IN_PROCESS": "false",
                "VIGIE_WORKER_METRICS_PORT": str(free_port()), "VIGIE_LOG_LEVEL": "WARNING"})
    out = open(tmp_path / "run.log", "wb")
    run = subprocess.Popen([sys.executable, "-m", "backend.cli", "run"], cwd=ROOT, env=env, stdout=out,
                           stderr=subprocess.STDOUT, start_new_session=True)
    try:
        first = wait_for(lambda: [w for w in health(url).get("workers", [])], 90, "a live worker")
        assert health(url)["status"] == "ok"
        old_pid = first[0]["pid"]
        os.kill(old_pid, signal.SIGKILL)
        # the supervisor notices, says so, and starts another worker; the dead one's heartbeat expires
        wait_for(lambda: (h := health(url)).get("workers") and all(w["pid"] != old_pid for w in h["workers"]),
                 30, "a new worker in place of the killed one")
        log = (tmp_path / "run.log").read_text()
        assert "Le worker s'est arrêté (code -9) : redémarrage dans 1 s." in log
        assert "Le worker est relancé" in log
        assert health(url)["status"] == "ok"
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        out.close()
    assert "Vigie arrêtée." in (tmp_path / "run.log").read_text()
