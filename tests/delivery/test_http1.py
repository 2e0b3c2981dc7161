"""The push client's HTTP/1.1 pool against real sockets, and the channel's encryption checked with http_ece."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ipaddress
import os
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.delivery.channels.http1 import Http1Pool, HttpError
from backend.delivery.channels.push_message import PushTarget, encrypt_payload

HEADERS = b"TTL: 60\r\nContent-Type: application/octet-stream\r\n"

class Close(bytes):
    """An answer after which the server closes the connection."""


Answer = Callable[[int, int, bytes, bytes], Awaitable[bytes | None]]
"""(connection number, request number on it, head, body) → bytes to write (None: close)."""


class Server:
    """A scripted HTTP/1.1 server on loopback: reads each request (head + Content-Length body)
    and writes what `answer` returns; records every request it read."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[tuple[int, bytes, bytes]] = []
        self.connections = 0
        self.open_now = 0
        self.open_max = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, tls: ssl.SSLContext | None = None) -> Server:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.open_now += 1
        self.open_max = max(self.open_max, self.open_now)
        try:
            for index in range(1, 1000):
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = await reader.readexactly(length)
                self.requests.append((number, head, body))
                out = await self.answer(number, index, head, body)
                if out is None:
                    break
                writer.write(out)
                await writer.drain()
                if isinstance(out, Close):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_now -= 1
            writer.close()


def created(extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n" + extra + b"\r\n"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    servers: list[Server] = []

    async def start(answer: Answer, tls: ssl.SSLContext | None = None) -> Server:
        servers.append(await Server(answer).start(tls))
        return servers[-1]

    yield start
    for server in servers:
        await server.stop()


async def test_requests_reuse_one_keep_alive_connection(serve: Callable[..., Awaitable[Server]]) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes:
        return created(b"Location: /m/%d\r\n" % index)

    server = await serve(answer)
    async with Http1Pool() as pool:
        responses = [await pool.post(f"http://127.0.0.1:{server.port}/push/abc?x=1", b"body%d" % i, HEADERS)
                     for i in range(20)]
        assert pool.connections_opened == 1
    assert [r.status for r in responses] == [201] * 20
    assert responses[4].headers["location"] == "/m/5"
    assert server.connections == 1 and len(server.requests) == 20
    _, head, body = server.requests[3]
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /push/abc?x=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}" in lines
    assert "Content-Length: 5" in lines and "TTL: 60" in lines
    assert body == b"body3"


async def test_concurrent_requests_stay_within_the_limit_per_origin(serve: Callable[..., Awaitable[Server]]) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes:
        await asyncio.sleep(0.02)
        return created()

    server = await serve(answer)
    async with Http1Pool(limit_per_origin=3) as pool:
        responses = await asyncio.gather(*(pool.post(f"http://127.0.0.1:{server.port}/p", b"x", HEADERS)
                                           for _ in range(30)))
    assert [r.status for r in responses] == [201] * 30
    assert server.open_max == 3 and server.connections == 3 and len(server.requests) == 30


async def test_begun_requests_answer_through_their_callback_within_the_reserved_slots(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes:
        await asyncio.sleep(0.02)
        return created()

    server = await serve(answer)
    answers: list[tuple[bytes, int | None, int]] = []  # (body, status, slots busy when called back)
    both = asyncio.Event()
    async with Http1Pool(limit_per_origin=2) as pool:
        origin, _ = pool.prepare(f"http://127.0.0.1:{server.port}/p", b"", HEADERS)
        assert pool.try_reserve(origin) and pool.try_reserve(origin)
        assert not pool.try_reserve(origin)  # both slots taken: no waiting, the caller comes back later

        def answered(body: bytes) -> Callable[[Any, Any], None]:
            def call(response: Any, error: Any) -> None:
                answers.append((body, response.status if response is not None else None, origin.busy))
                if len(answers) == 2:
                    both.set()
            return call

        for body in (b"1", b"2"):
            pool.begin(origin, pool.prepare(f"http://127.0.0.1:{server.port}/p", body, HEADERS)[1], answered(body))
        await asyncio.wait_for(both.wait(), 5)
        assert origin.busy == 0 and pool.try_reserve(origin)  # each slot given back before its callback
        pool.unreserve(origin)
        assert (await pool.post(f"http://127.0.0.1:{server.port}/p", b"3", HEADERS)).status == 201
        assert pool.connections_opened == 2  # the third request reused a kept connection
    assert sorted(answers) == [(b"1", 201, 1), (b"2", 201, 0)]
    assert server.open_max == 2 and sorted(body for _, _, body in server.requests) == [b"1", b"2", b"3"]


async def test_a_begun_request_that_cannot_connect_answers_with_the_error() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    answered: asyncio.Future[tuple[Any, Any, int]] = asyncio.get_running_loop().create_future()
    async with Http1Pool() as pool:
        origin, data = pool.prepare(f"http://127.0.0.1:{port}/p", b"x", HEADERS)
        assert pool.try_reserve(origin)
        pool.begin(origin, data, lambda response, error: answered.set_result((response, error, origin.busy)))
        response, error, busy = await asyncio.wait_for(answered, 5)
    assert response is None and isinstance(error, ConnectionRefusedError) and busy == 0


async def test_error_answers_give_status_headers_and_a_bounded_body(serve: Callable[..., Awaitable[Server]]) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes:
        if index == 1:  # chunked, with Retry-After
            return (b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nslow \r\n5\r\ndown!\r\n0\r\n\r\n")
        if index == 2:  # a body far over the limit, which must still be read to the end
            big = b"x" * 100_000
            return b"HTTP/1.1 410 Gone\r\nContent-Length: %d\r\n\r\n%s" % (len(big), big)
        return created()

    server = await serve(answer)
    url = f"http://127.0.0.1:{server.port}/p"
    async with Http1Pool(body_limit=50) as pool:
        throttled = await pool.post(url, b"1", HEADERS)
        gone = await pool.post(url, b"2", HEADERS)
        ok = await pool.post(url, b"3", HEADERS)
        assert pool.connections_opened == 1  # the connection stayed usable after both
    assert (throttled.status, throttled.headers["retry-after"], throttled.body) == (429, "30", b"slow down!")
    assert (gone.status, gone.body) == (410, b"x" * 50)
    assert ok.status == 201


async def test_connection_close_and_eof_delimited_answers(serve: Callable[..., Awaitable[Server]]) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes | None:
        if conn == 1:
            return Close(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        if conn == 2:
            return Close(b"HTTP/1.1 500 Oops\r\n\r\nno length: ends with the connection")
        return created()

    server = await serve(answer)
    url = f"http://127.0.0.1:{server.port}/p"
    async with Http1Pool() as pool:
        first = await pool.post(url, b"1", HEADERS)
        second = await pool.post(url, b"2", HEADERS)
        third = await pool.post(url, b"3", HEADERS)
        fourth = await pool.post(url, b"4", HEADERS)
        assert pool.connections_opened == 3
    assert (first.status, second.status, third.status, fourth.status) == (201, 500, 201, 201)
    assert second.body == b"no length: ends with the connection"
    assert [body for _, _, body in server.requests] == [b"1", b"2", b"3", b"4"]


async def test_a_connection_closed_while_idle_is_replaced_and_the_request_sent_once(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes | None:
        return created() if index == 1 else None  # a second request on a connection: closed unanswered

    server = await serve(answer)
    url = f"http://127.0.0.1:{server.port}/p"
    async with Http1Pool() as pool:
        statuses = [(await pool.post(url, b"%d" % i, HEADERS)).status for i in range(3)]
    assert statuses == [201, 201, 201]
    # each later request went first on the idle connection (closed unanswered), then on a new one
    assert [body for _, _, body in server.requests] == [b"0", b"1", b"1", b"2", b"2"]
    assert server.connections == 3


async def test_a_connection_closed_after_part_of_an_answer_is_an_error_not_a_resend(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes | None:
        return Close(b"HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\nabc")

    server = await serve(answer)
    async with Http1Pool() as pool:
        with pytest.raises(HttpError, match="closed before the answer was complete"):
            await pool.post(f"http://127.0.0.1:{server.port}/p", b"x", HEADERS)
    assert len(server.requests) == 1


async def test_no_answer_times_out_and_the_connection_is_dropped(serve: Callable[..., Awaitable[Server]]) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes:
        if conn == 1:
            await asyncio.sleep(5)
        return created()

    server = await serve(answer)
    url = f"http://127.0.0.1:{server.port}/p"
    async with Http1Pool(timeout=0.3) as pool:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await pool.post(url, b"x", HEADERS)
        assert time.monotonic() - started < 2
        assert (await pool.post(url, b"y", HEADERS)).status == 201
        assert pool.connections_opened == 2


async def test_malformed_answers_and_refused_connections_raise_oserror(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes:
        return b"SMTP/9 what\r\n\r\n"

    server = await serve(answer)
    async with Http1Pool() as pool:
        with pytest.raises(HttpError, match="malformed"):
            await pool.post(f"http://127.0.0.1:{server.port}/p", b"x", HEADERS)
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        with pytest.raises(OSError):
            await pool.post(f"http://127.0.0.1:{port}/p", b"x", HEADERS)


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


async def test_https_verifies_the_certificate(serve: Callable[..., Awaitable[Server]], tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)

    async def answer(conn: int, index: int, head: bytes, body: bytes) -> bytes:
        return created()

    server = await serve(answer, server_tls)
    url = f"https://localhost:{server.port}/push/1"
    trusting = ssl.create_default_context(cafile=str(cert))
    async with Http1Pool(ssl_context=trusting) as pool:
        assert [(await pool.post(url, b"x", HEADERS)).status for _ in range(3)] == [201] * 3
        assert pool.connections_opened == 1
    async with Http1Pool(timeout=3) as pool:  # the default context does not know this certificate
        with pytest.raises(ssl.SSLCertVerificationError):
            await pool.post(url, b"x", HEADERS)
    assert len(server.requests) == 3


# encryption (checked with http_ece, the library pywebpush uses) ------------------------------------

def test_each_message_decrypts_with_http_ece_and_uses_a_fresh_key_and_salt() -> None:
    ua = ec.generate_private_key(ec.SECP256R1())
    ua_public = ua.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    target = PushTarget(1, "https://push.example/x", base64.urlsafe_b64encode(ua_public).decode().rstrip("="),
                        base64.urlsafe_b64encode(auth).decode().rstrip("="))
    payload = os.urandom(3000)
    first, second = encrypt_payload(target, payload), encrypt_payload(target, payload)
    for body in (first, second):
        assert http_ece.decrypt(body, private_key=ua, auth_secret=auth, version="aes128gcm") == payload
        assert len(body) <= 4096
    assert first[:16] != second[:16] and first[21:86] != second[21:86]  # salt, ephemeral public key
    bad = PushTarget(1, target.endpoint, base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("="),
                     target.auth)
    with pytest.raises(ValueError):
        encrypt_payload(bad, payload)
