"""The production paths of the channels (issue 13, point 6): e-mail to a relay that requires
STARTTLS and AUTH, and to one on implicit TLS (SMTPS), each with a certificate from a private CA
the sender trusts through SSL_CERT_FILE; a wrong password ends in a visible failure (the
delivery row `failed` with its reason, after the bounded retries); the HTTP SMS provider over
HTTPS, trusted the same way by a real `vigie worker` process. An untrusted certificate is refused.

SSL_CERT_FILE is the standard OpenSSL variable; both libraries honour it: aiosmtplib builds
its TLS context at each connection, aiohttp (SMS, pushes) once at import, so it belongs in the
environment of the process (systemd `Environment=`). No setting of our own is needed.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.delivery.schemas import Preferences
from backend.devtools.loopback import free_port
from backend.lib.queues import Queues
from backend.lib.valkey import make_client
from backend.settings import Settings
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled
from tests.alerts.test_alert_resilience import start_worker
from tests.conftest import Api
from tests.fixtures.channels import SMS_KEY
from tests.fixtures.sms_emulator import SmsEmulator

# aiosmtpd warns when AUTH is offered without its STARTTLS check: on SMTPS the session is TLS throughout.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

USER, PASSWORD = "vigie-relay", "mot-de-passe-du-relais"
MEMBERS = 3


@dataclass
class Pki:
    """A private CA and a server certificate it signed for 127.0.0.1 and localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Vigie test CA")).issuer_name(_name("Vigie test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(cert.public_bytes(pem))
    (folder / "server.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")


@dataclass
class Relay:
    """What the SMTP relay saw: the messages it accepted, and for each whether the session was
    encrypted and authenticated."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    refused_logins: int = 0
    logins: list[Any] = field(default_factory=list)
    """The peer of each session that logged in (one per session opened)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # session.ssl after STARTTLS; on SMTPS the transport itself is the TLS one
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.messages.append({"to": envelope.rcpt_tos, "tls": tls,
                              "login": session.authenticated and USER, "peer": session.peer})
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword) and data.login.decode() == USER and data.password.decode() == PASSWORD:
            self.logins.append(session.peer)
            return AuthResult(success=True)
        self.refused_logins += 1
        return AuthResult(success=False, handled=False)


def start_relay(pki: Pki, implicit_tls: bool) -> tuple[Relay, Controller]:
    relay = Relay()
    tls = pki.server_context()
    options: dict[str, Any] = dict(authenticator=relay.authenticate, auth_required=True)
    if implicit_tls:
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls: on SMTPS the whole session
        # is encrypted (handle_DATA records it), so AUTH is offered without that check.
        controller = Controller(relay, hostname="127.0.0.1", port=free_port(), ssl_context=tls,
                                auth_require_tls=False, **options)
    else:
        controller = Controller(relay, hostname="127.0.0.1", port=free_port(), tls_context=tls,
                                require_starttls=True, auth_require_tls=True, **options)
    controller.start()
    return relay, controller


@pytest.fixture(params=["starttls", "implicit-tls"])
def relay(request: pytest.FixtureRequest, pki: Pki) -> Iterator[tuple[Relay, dict[str, Any]]]:
    implicit = request.param == "implicit-tls"
    relay, controller = start_relay(pki, implicit)
    try:
        yield relay, dict(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_tls=implicit,
                          smtp_starttls=not implicit, smtp_username=USER)
    finally:
        controller.stop()


async def alert_to(fx_app_factory: Any, settings: Settings, password_hash: str, push: Any, channel: str,
                   **overrides: Any) -> tuple[Any, Api, int]:
    """MEMBERS neighbours reached by `channel` only, and an alert posted to them."""
    app = await fx_app_factory(**overrides)
    hood = await neighbourhood(settings, password_hash, push, MEMBERS,
                               prefs_for=lambda i: Preferences(push=False, email=channel == "email",
                                                               sms=channel == "sms"))
    author = Api(app)
    await author.login("auteur@test.vigie.fr")
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201, r.text
    return hood, author, r.json()["id"]


async def settled(alert_id: int, channel: str, timeout: float = 30) -> list[dict[str, Any]]:
    """The `channel` rows of the alert once there is one per member and none is queued or sending."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = [r for r in await wait_settled(alert_id, timeout=timeout) if r["channel"] == channel]
        if len(rows) == MEMBERS or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.1)


async def test_mail_goes_out_encrypted_and_authenticated_to_a_relay_with_a_private_ca(
        relay: tuple[Relay, dict[str, Any]], pki: Pki, fx_app_factory: Any, fx_delivery_overrides: dict[str, Any],
        fx_settings: Settings, fx_password_hash: str, fx_push: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen, smtp = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    hood, author, alert_id = await alert_to(fx_app_factory, fx_settings, fx_password_hash, fx_push, "email",
                                            **fx_delivery_overrides, **smtp, smtp_password=PASSWORD)
    rows = await settled(alert_id, "email", 30)
    assert [r["state"] for r in rows] == ["sent"] * MEMBERS, rows
    assert sorted(to for m in seen.messages for to in m["to"]) == sorted(hood.emails.values())
    assert all(m["tls"] and m["login"] == USER for m in seen.messages)
    await author.aclose()


async def e_mail_jobs_done(settings: Settings, timeout: float = 10) -> None:
    """Wait until no e-mail job is queued or running (SAQ's lists in Valkey)."""
    queues = Queues(make_client(settings.valkey_url))
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while await queues["email"].count("active") or await queues["email"].count("queued"):
            assert asyncio.get_running_loop().time() < deadline, "e-mail jobs still running"
            await asyncio.sleep(0.05)
    finally:
        await queues.client.aclose()


async def test_the_next_alert_goes_over_the_encrypted_sessions_the_first_one_opened(
        relay: tuple[Relay, dict[str, Any]], pki: Pki, fx_app_factory: Any, fx_delivery_overrides: dict[str, Any],
        fx_settings: Settings, fx_password_hash: str, fx_push: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker keeps its relay sessions (STARTTLS or TLS, then AUTH) open from one e-mail job
    to the next, rather than shaking hands again for each job of 100 e-mails."""
    seen, smtp = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    hood, author, first = await alert_to(fx_app_factory, fx_settings, fx_password_hash, fx_push, "email",
                                         **fx_delivery_overrides, **smtp, smtp_password=PASSWORD)
    assert [r["state"] for r in await settled(first, "email", 30)] == ["sent"] * MEMBERS
    # The rows say `sent` as soon as the relay has every message; the job hands its sessions back
    # to the worker's pool a moment later. The second alert's job must start after that: the
    # suite failed once (PostgreSQL pass, loaded machine) on a session opened because the first
    # job had not given its own back yet.
    await e_mail_jobs_done(fx_settings)
    # Every session the first alert opened, whether or not it carried one of its few messages (a session
    # the others left without any failed the suite once when the next alert used it).
    first_sessions = list(seen.logins)
    assert {m["peer"] for m in seen.messages} <= set(first_sessions)
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts",
                          {**ALERT, "title": "Fenêtre ouverte au 12"}, headers=idem())
    assert r.status_code == 201, r.text
    assert [r["state"] for r in await settled(r.json()["id"], "email", 30)] == ["sent"] * MEMBERS
    second = seen.messages[MEMBERS:]
    assert len(second) == MEMBERS and all(m["tls"] and m["login"] == USER for m in second)
    assert seen.logins == first_sessions  # no new session (TLS, then AUTH) for the second job
    assert {m["peer"] for m in second} <= set(first_sessions)
    await author.aclose()


async def test_a_wrong_relay_password_ends_failed_with_its_reason_after_bounded_retries(
        relay: tuple[Relay, dict[str, Any]], pki: Pki, fx_app_factory: Any, fx_delivery_overrides: dict[str, Any],
        fx_settings: Settings, fx_password_hash: str, fx_push: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen, smtp = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    _, author, alert_id = await alert_to(fx_app_factory, fx_settings, fx_password_hash, fx_push, "email",
                                         **{**fx_delivery_overrides, "retry_backoff_scale": 0.002},
                                         **smtp, smtp_password="pas-le-bon")
    rows = await settled(alert_id, "email", 30)
    assert [r["state"] for r in rows] == ["failed"] * MEMBERS, rows
    assert all("535" in r["reason"] and "essais" in r["reason"] for r in rows), rows  # the relay's refusal, named
    assert not seen.messages and seen.refused_logins >= 5  # retried, a bounded number of times
    r = await author.get(f"/api/v1/alerts/{alert_id}")
    assert r.json()["delivery"]["email"]["failed"] == MEMBERS  # what the author's page shows
    await author.aclose()


async def test_a_relay_certificate_from_an_untrusted_ca_is_refused(
        pki: Pki, fx_app_factory: Any, fx_delivery_overrides: dict[str, Any], fx_settings: Settings,
        fx_password_hash: str, fx_push: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen, controller = start_relay(pki, implicit_tls=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    try:
        _, author, alert_id = await alert_to(
            fx_app_factory, fx_settings, fx_password_hash, fx_push, "email",
            **{**fx_delivery_overrides, "retry_backoff_scale": 0.002}, smtp_host="127.0.0.1",
            smtp_port=controller.port, smtp_starttls=True, smtp_username=USER, smtp_password=PASSWORD)
        rows = await settled(alert_id, "email", 30)
        assert [r["state"] for r in rows] == ["failed"] * MEMBERS, rows
        assert all("certificate" in r["reason"].lower() for r in rows), rows
        assert not seen.messages
        await author.aclose()
    finally:
        controller.stop()


@pytest.fixture
def https_sms(pki: Pki) -> Iterator[SmsEmulator]:
    emulator = SmsEmulator(api_key=SMS_KEY, ssl_context=pki.server_context())
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


async def test_sms_go_to_an_https_provider_trusted_through_ssl_cert_file_by_a_worker_process(
        https_sms: SmsEmulator, pki: Pki, fx_app_factory: Any, fx_delivery_overrides: dict[str, Any],
        fx_settings: Settings, fx_password_hash: str, fx_push: Any) -> None:
    assert https_sms.messages_url.startswith("https://127.0.0.1:")
    overrides = {**fx_delivery_overrides, "sms_http_url": https_sms.messages_url, "run_workers_in_process": False}
    hood, author, alert_id = await alert_to(fx_app_factory, fx_settings, fx_password_hash, fx_push, "sms", **overrides)
    worker = start_worker(fx_settings, {"VIGIE_SMS_PROVIDER": "http", "VIGIE_SMS_HTTP_URL": https_sms.messages_url,
                                        "VIGIE_SMS_API_KEY": SMS_KEY, "SSL_CERT_FILE": str(pki.ca_file)})
    try:
        rows = await settled(alert_id, "sms", 40)
    finally:
        worker.terminate()
        await asyncio.to_thread(worker.wait, 20)
    assert [r["state"] for r in rows] == ["sent"] * MEMBERS, rows
    assert sorted(m.to for m in https_sms.messages) == sorted(hood.phones.values())
    await author.aclose()


async def test_an_https_sms_provider_with_an_untrusted_certificate_is_refused(
        https_sms: SmsEmulator, fx_app_factory: Any, fx_delivery_overrides: dict[str, Any], fx_settings: Settings,
        fx_password_hash: str, fx_push: Any) -> None:
    overrides = {**fx_delivery_overrides, "sms_http_url": https_sms.messages_url, "retry_backoff_scale": 0.002}
    _, author, alert_id = await alert_to(fx_app_factory, fx_settings, fx_password_hash, fx_push, "sms", **overrides)
    rows = await settled(alert_id, "sms", 30)
    assert [r["state"] for r in rows] == ["failed"] * MEMBERS, rows
    assert all("certificate" in r["reason"].lower() for r in rows), rows
    assert not https_sms.messages
    await author.aclose()
