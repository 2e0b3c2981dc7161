"""`forwarded_allow_ips`: behind a reverse proxy the client address of the rate limits is the one
the proxy forwards (X-Forwarded-For) when the proxy's address is trusted, and the peer's own
address when it is not (anyone could otherwise write the header and escape the limits)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from backend.settings import Settings, load_settings
from tests.e2e.conftest import server_env
from tests.ops.helpers import stop
from tests.ops.test_backup_restore import serve_until_healthy
from tests.ops.test_several_instances import HttpApi

PER_ADDRESS = 2  # failed logins per client address
_emails = itertools.count(1)


async def wrong_login(client: HttpApi, forwarded_for: str) -> int:
    r = await client.post("/api/v1/auth/login", {"email": f"inconnu{next(_emails)}@test.vigie.fr",
                                                 "password": "pas le bon"},
                          headers={"X-Forwarded-For": forwarded_for})
    return r.status_code


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted-proxy", "untrusted-peer"])
async def test_forwarded_address_counts_only_from_a_trusted_proxy(fx_settings: Settings, tmp_path: Path,
                                                                  trusted: bool) -> None:
    env = server_env(fx_settings, 0, VIGIE_RUN_WORKERS_IN_PROCESS="false",
                     VIGIE_LOGIN_FAILURES_PER_IP_15MIN=str(PER_ADDRESS),
                     # the test connects from 127.0.0.1: trusted, or not (only 10.0.0.7, another proxy, is)
                     VIGIE_FORWARDED_ALLOW_IPS="10.0.0.7,127.0.0.1" if trusted else "10.0.0.7",
                     VIGIE_VALKEY_URL=fx_settings.valkey_url.rsplit("/", 1)[0] + ("/3" if trusted else "/4"))
    assert load_settings(env=env).forwarded_allow_ips == (("10.0.0.7", "127.0.0.1") if trusted else ("10.0.0.7",))
    with open(tmp_path / "serve.log", "w") as log:
        proc, url = await serve_until_healthy(env, log)
        client = HttpApi(url)
        try:
            assert [await wrong_login(client, "203.0.113.5") for _ in range(PER_ADDRESS)] == [401] * PER_ADDRESS
            assert await wrong_login(client, "203.0.113.5") == 429
            # Another forwarded address: a person of its own behind a trusted proxy; the same
            # peer (127.0.0.1) writing a header when the proxy is not trusted.
            assert await wrong_login(client, "203.0.113.6") == (401 if trusted else 429)
        finally:
            await client.aclose()
            stop(proc, 20)
