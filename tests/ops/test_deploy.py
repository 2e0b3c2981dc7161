"""The files of deploy/ as an operator installs them (docs/operations.md):

- the systemd units pass `systemd-analyze verify` (pointed at this checkout instead of /opt/vigie);
- deploy/nginx/vigie.conf and deploy/caddy/Caddyfile, run in a real nginx and a real Caddy in
  front of a real `vigie serve` (only their addresses, ports and certificate changed): HTTPS, an
  SSE event passed on at once, a body over the API's limit refused by the proxy and one under
  it passed, the metrics not served, and the client address the proxy forwards used by the rate
  limits while an X-Forwarded-For written by the client is not.

Each part is skipped, saying why, where its program is not installed (nginx, caddy, systemd-analyze).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.demo import make_commune, make_community, make_user
from backend.devtools.loopback import free_port
from backend.lib.valkey import make_client
from backend.settings import ROOT, Settings
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import server_env
from tests.ops.helpers import stop
from tests.ops.test_backup_restore import serve_until_healthy
from tests.ops.test_several_instances import HttpApi

DEPLOY = ROOT / "deploy"
PER_ADDRESS = 2  # failed logins per client address, for the forwarded-address check
API_BODY_LIMIT = 25 * 1024 * 1024  # backend/app.py request_max_body_size
VIGIE = Path(sys.executable).parent / "vigie"  # the `vigie` script of this environment


def need(program: str) -> str:
    found = shutil.which(program) or (f"/usr/sbin/{program}" if Path(f"/usr/sbin/{program}").exists() else None)
    if not found:
        pytest.skip(f"{program} is not installed here (apt install {program}): its deploy/ file is not run")
    return found


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = need("systemd-analyze")
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        name = unit.name.replace("@.", "@1.")  # a template is verified as one of its instances
        text = unit.read_text().replace("/opt/vigie/.venv/bin/vigie", str(VIGIE)).replace("/opt/vigie", str(ROOT))
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    assert len(units) == 3
    result = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Unknown" not in result.stderr, result.stderr
    for unit, command in (("vigie-serve.service", "serve"), ("vigie-worker@1.service", "worker"),
                          ("vigie-migrate.service", "migrate")):
        assert f"ExecStart={VIGIE} {command}\n" in (tmp_path / unit).read_text()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the test's client trusts it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def trust(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


async def wait_for_port(url: str, proc: subprocess.Popen, log: Path, verify: Any) -> None:
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient(verify=verify, timeout=2) as http:
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                await http.get(url + "/api/v1/health")
                return
            except httpx.HTTPError:
                assert time.monotonic() < deadline, f"the proxy never answered:\n{log.read_text()[-3000:]}"
                await asyncio.sleep(0.2)


async def behind_the_proxy(proxy: str, api: str, verify: Any, settings: Settings, member: str,
                           community: int, too_large: tuple[int, ...] = (413,)) -> None:
    """What the proxy must do for Vigie, checked through it (`proxy`) and beside it (`api`);
    `too_large`: the statuses the proxy may answer a body over the limit with."""
    async with httpx.AsyncClient(base_url=proxy, verify=verify, timeout=20) as http:
        health = await http.get("/api/v1/health")
        assert health.status_code == 200 and health.json()["database"] == "ok"
        assert (await http.get("/api/v1/metrics")).status_code == 404

        # Bodies: over the API's limit, refused by the proxy itself; under it, passed to the API.
        over = await http.post("/api/v1/auth/login", content=b"x" * (API_BODY_LIMIT + 1024 * 1024),
                               headers={"content-type": "application/json"})
        assert over.status_code in too_large, over.status_code
        assert not over.headers.get("content-type", "").startswith("application/json")  # not the API's answer
        under = await http.post("/api/v1/auth/login", content=b"x" * (2 * 1024 * 1024),
                                headers={"content-type": "application/json"})
        assert under.headers["content-type"].startswith("application/json"), (under.status_code, under.text[:200])

    through = HttpApi(proxy, verify=verify)
    beside = HttpApi(api)
    try:
        # Live updates: an event published reaches the browser through the proxy at once.
        reader = HttpApi(proxy, verify=verify)
        await reader.login(member, TEST_PASSWORD)
        heard: list[str] = []
        opened = asyncio.Event()

        async def listen() -> None:
            # A stream of 5 s (max_seconds only shortens it): over before the proxies stop.
            async with reader.http.stream("GET", "/api/v1/live", params={"max_seconds": 5},
                                          headers={"accept": "text/event-stream"}, timeout=None) as stream:
                assert stream.status_code == 200
                async for line in stream.aiter_lines():
                    opened.set()
                    heard.append(line)

        task = asyncio.create_task(listen())
        valkey = make_client(settings.valkey_url)
        try:
            await asyncio.wait_for(opened.wait(), 10)  # the opening `retry:` passed through unbuffered
            channel = f"community:{community}"
            deadline = time.monotonic() + 10
            while dict(await valkey.pubsub_numsub(channel))[channel.encode()] == 0:
                assert time.monotonic() < deadline, "the stream never subscribed"
                await asyncio.sleep(0.05)
            sent = time.monotonic()
            event = {"id": "0123456789abcdef0123456789abcdef", "type": "alert.created", "data": {"via": "proxy"}}
            await valkey.publish(channel, json.dumps(event))
            while "event: alert.created" not in heard:
                assert time.monotonic() - sent < 2, f"the event did not come through the proxy at once: {heard}"
                await asyncio.sleep(0.02)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await valkey.aclose()
            await reader.aclose()

        # The client's address is the one the proxy saw: what the client writes in X-Forwarded-For
        # does not get it out of the limit. Straight to the API from 127.0.0.1 (a trusted proxy
        # address here) the header is believed, which shows the proxy replaced it. (Last: it
        # locks 127.0.0.1 out of logging in through the proxy.)
        for i in range(PER_ADDRESS):
            r = await through.post("/api/v1/auth/login", {"email": f"inconnu{i}@test.vigie.fr", "password": "non"},
                                   headers={"X-Forwarded-For": f"203.0.113.{i + 1}"})
            assert r.status_code == 401, r.text
        r = await through.post("/api/v1/auth/login", {"email": "inconnu9@test.vigie.fr", "password": "non"},
                               headers={"X-Forwarded-For": "203.0.113.99"})
        assert r.status_code == 429, r.text
        r = await beside.post("/api/v1/auth/login", {"email": "inconnu9@test.vigie.fr", "password": "non"},
                              headers={"X-Forwarded-For": "203.0.113.99"})
        assert r.status_code == 401, r.text
    finally:
        await through.aclose()
        await beside.aclose()


@pytest.fixture
async def fx_api_behind(fx_settings: Settings, fx_password_hash: str, tmp_path: Path) -> Any:
    """A `vigie serve` that trusts 127.0.0.1 as its proxy, and a member to listen live."""
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    await make_user("ecoute@test.vigie.fr", "Elise", "Coute", password_hash=fx_password_hash,
                    community_id=community)
    env = server_env(fx_settings, 0, VIGIE_RUN_WORKERS_IN_PROCESS="false", VIGIE_FORWARDED_ALLOW_IPS="127.0.0.1",
                     VIGIE_LOGIN_FAILURES_PER_IP_15MIN=str(PER_ADDRESS))
    with open(tmp_path / "serve.log", "w") as log:
        proc, url = await serve_until_healthy(env, log)
        try:
            yield url, "ecoute@test.vigie.fr", community
        finally:
            stop(proc, 20)


async def test_nginx_site_in_front_of_vigie_serve(fx_api_behind: Any, fx_settings: Settings, tmp_path: Path) -> None:
    nginx = need("nginx")
    api, member, community = fx_api_behind
    cert, key = self_signed(tmp_path)
    https, http_port = free_port(), free_port()
    site = (DEPLOY / "nginx" / "vigie.conf").read_text()
    for old, new in (("server 127.0.0.1:8000;", f"server {api.removeprefix('http://')};"),
                     ("listen [::]:80;\n", ""), ("listen [::]:443 ssl http2;\n", ""),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
                     ("/etc/letsencrypt/live/vigie.example.fr/fullchain.pem", str(cert)),
                     ("/etc/letsencrypt/live/vigie.example.fr/privkey.pem", str(key))):
        assert old in site, old
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\nuser root;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/f;\n  uwsgi_temp_path {tmp_path}/u;\n  scgi_temp_path {tmp_path}/s;\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    checked = subprocess.run([nginx, "-t", "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    with open(tmp_path / "nginx.out", "w") as out:
        proc = subprocess.Popen([nginx, "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        await wait_for_port(f"https://127.0.0.1:{https}", proc, tmp_path / "error.log", trust(cert))
        async with httpx.AsyncClient() as plain:
            moved = await plain.get(f"http://127.0.0.1:{http_port}/#/alertes")
            assert moved.status_code == 301 and moved.headers["location"].startswith("https://")
        await behind_the_proxy(f"https://127.0.0.1:{https}", api, trust(cert), fx_settings, member, community)
    finally:
        stop(proc, 15)


async def test_caddy_site_in_front_of_vigie_serve(fx_api_behind: Any, fx_settings: Settings, tmp_path: Path) -> None:
    caddy = need("caddy")
    api, member, community = fx_api_behind
    cert, key = self_signed(tmp_path)
    https, http_port = free_port(), free_port()
    site = (DEPLOY / "caddy" / "Caddyfile").read_text()
    for old, new in (("reverse_proxy 127.0.0.1:8000 {", f"reverse_proxy {api.removeprefix('http://')} {{"),
                     ("vigie.example.fr {", f"https://127.0.0.1:{https} {{\n\ttls {cert} {key}")):
        assert old in site, old
        site = site.replace(old, new)
    globals_ = f"{{\n\tadmin off\n\tauto_https disable_redirects\n\thttp_port {http_port}\n\thttps_port {https}\n" \
               f"\tstorage file_system {tmp_path / 'caddy-data'}\n\tskip_install_trust\n}}\n\n"
    (tmp_path / "Caddyfile").write_text(globals_ + site)
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PATH": "/usr/bin:/bin"}
    checked = subprocess.run([caddy, "validate", "--adapter", "caddyfile", "--config", str(tmp_path / "Caddyfile")],
                             capture_output=True, text=True, timeout=30, env=env)
    assert checked.returncode == 0, checked.stderr[-3000:]
    log = tmp_path / "caddy.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([caddy, "run", "--adapter", "caddyfile", "--config", str(tmp_path / "Caddyfile")],
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        await wait_for_port(f"https://127.0.0.1:{https}", proc, log, trust(cert))
        # Debian 12's Caddy (2.6) answers a body over request_body's max_size with 502 instead of
        # 413 (caddyserver/caddy#5652, fixed in 2.7): refused all the same, the API never reads it.
        await behind_the_proxy(f"https://127.0.0.1:{https}", api, trust(cert), fx_settings, member, community,
                               too_large=(413, 502))
    finally:
        stop(proc, 15)
