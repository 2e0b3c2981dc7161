"""Schemathesis over the whole API, from its own OpenAPI document: no input gives a server error.

A real server (`vigie serve` on loopback, in-process workers) is fuzzed by the schemathesis CLI,
signed in as a verified member (session cookie + CSRF header), every operation but logout, for a
bounded time; any 5xx fails the test with schemathesis' report (each failing case with a curl
line to replay it). Runs on both databases (`--db=postgres`).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from backend.auth import sessions
from backend.settings import Settings
from tests.builders import build_world
from tests.e2e.conftest import LiveServer

MAX_TIME = 25
"""Seconds of fuzzing per database (the whole test, server start and schema loading included, takes ~3 s
more). The run always ends on this time, not on MAX_EXAMPLES (400 s generated 44,896 cases and had not
run out): it was 60 s while a live-stream case could hold a worker 30 s, 1,219 cases in all; 25 s now
generates ~4,600 on a quiet machine (4,596 on SQLite, 4,745 on PostgreSQL), and MIN_CASES makes sure a
loaded machine still runs enough."""
MIN_CASES = 1219
"""Cases the run must have generated: as many as the 60 s run made before the short live streams
(LIVE_STREAM_SECONDS). Fewer means the machine was too slow for MAX_TIME to test what it used to."""
MAX_EXAMPLES = 10
"""Generated cases per operation and phase (examples, coverage, fuzzing)."""
EXCLUDED = ["/api/v1/auth/logout"]
"""Operations that would end the fuzzer's own session."""
LIVE_STREAM_SECONDS = "1"
"""The server's longest live stream (`live_max_stream_seconds`, 300 s in production). Each case of GET
/api/v1/live without a shorter `max_seconds` held one of the fuzzer's two workers until the stream's end
or the 30 s request timeout: 75 of the test's ~85 s were that one operation (2026-12-03, the junit
report's times, 1,219 cases in all). A one-second stream still opens, subscribes, sends `ready` and ends on
the server; with it, the same 60 s generated 10,554 cases (schemathesis' summary, quiet machine)."""


def schemathesis_config(ids: dict[str, int]) -> str:
    """Path ids drawn most of the time from the member's own things (the others are generated:
    random ids mostly answer 404 and would never reach the checks behind them)."""
    lines = []
    for name, value in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = [{value}]"]
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.7 }}' for name in ids]
    return "\n".join(lines) + "\n"


def schemathesis_command(server: LiveServer, cookie: str, csrf: str, config: Path, report: Path) -> list[str]:
    st = str(Path(sys.executable).with_name("st"))
    command = [st, "--config-file", str(config), "run", f"{server.url}/schema/openapi.json", "--url", server.url,
               "--checks", "not_a_server_error", "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_TIME),
               "--workers", "2", "--phases", "examples,coverage,fuzzing", "--request-timeout", "30",
               "--continue-on-failure", "--no-color", "--seed", "20261202", "--suppress-health-check", "all",
               "--header", f"Cookie: {cookie}", "--header", f"X-CSRFToken: {csrf}",
               "--report", "junit", "--report-junit-path", str(report)]
    for path in EXCLUDED:
        command += ["--exclude-path", path]
    return command


async def test_no_input_gives_a_server_error(fx_base_settings: Settings, fx_settings: Settings, fx_tmp: Path,
                                             fx_password_hash: str) -> None:
    world = await build_world(fx_password_hash)
    token = await sessions.create_session(world.users["member"], 3600)
    server = LiveServer(fx_base_settings, fx_tmp, VIGIE_LIVE_MAX_STREAM_SECONDS=LIVE_STREAM_SECONDS).start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            await client.get("/api/v1/health")
            csrf = client.cookies["csrftoken"]
            client.cookies.set(sessions.COOKIE_NAME, token)
            assert (await client.get("/api/v1/auth/me")).status_code == 200  # signed in as the member
            headers = {"x-csrftoken": csrf}
            post = await client.post(f"/api/v1/communities/{world.community}/gazette", headers=headers, json={
                "kind": "news", "title": "La boulangerie rouvre", "body": "Nouveaux horaires : 7 h – 19 h."})
            assert post.status_code == 201, post.text
            comment = await client.post(f"/api/v1/gazette/posts/{post.json()['id']}/comments", headers=headers,
                                        json={"body": "Bonne nouvelle !"})
            assert comment.status_code == 201, comment.text
        ids = {"community_id": world.community, "alert_id": world.alert, "post_id": post.json()["id"],
               "comment_id": comment.json()["id"]}
        config = fx_tmp / "schemathesis.toml"
        config.write_text(schemathesis_config(ids))
        cookie = f"{sessions.COOKIE_NAME}={token}; csrftoken={csrf}"
        report = fx_tmp / "schemathesis-junit.xml"
        env: dict[str, Any] = {**os.environ, "NO_COLOR": "1"}
        command = schemathesis_command(server, cookie, csrf, config, report)
        done = await asyncio.to_thread(subprocess.run, command, cwd=fx_tmp, env=env, capture_output=True, text=True,
                                       timeout=MAX_TIME + 120)
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    output = done.stdout[-20000:] + done.stderr[-5000:]
    assert "Server error" not in done.stdout and done.returncode == 0, output + "\n--- server log ---\n" + log[-10000:]
    assert "unhandled error" not in log, log[-10000:]
    generated = re.search(r"(\d+) generated", done.stdout)
    assert generated and int(generated[1]) >= MIN_CASES, output
