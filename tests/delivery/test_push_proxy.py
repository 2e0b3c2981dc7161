"""Pushes go out through the proxy the environment names (HTTP(S)_PROXY), unless NO_PROXY lists the host."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from backend.delivery.channels.endpoints import proxy_for
from backend.delivery.channels.push import PushSender, PushTarget
from backend.settings import Settings
from tests.delivery.test_push_channel import receiver, settings  # noqa: F401  (the loopback push service)
from tests.fixtures.webpush_receiver import WebPushReceiver

PAYLOAD = json.dumps({"title": "Alerte", "body": "Par le proxy"}).encode()


class ForwardProxy:
    """A plain HTTP forward proxy on loopback: notes each absolute-form request line it relays."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> ForwardProxy:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, version = head.split(b"\r\n", 1)[0].decode().split(" ")
            self.requests.append(f"{method} {target}")
            authority, _, path = target.removeprefix("http://").partition("/")
            host, _, port = authority.partition(":")
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            up_writer.write(f"{method} /{path} {version}\r\n".encode() + head.split(b"\r\n", 1)[1])

            async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
                dst.close()

            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    async with ForwardProxy() as running:
        yield running


def targets(receiver: WebPushReceiver, count: int) -> list[PushTarget]:
    subs = [receiver.new_subscription() for _ in range(count)]
    return [PushTarget(i, s["endpoint"], s["keys"]["p256dh"], s["keys"]["auth"]) for i, s in enumerate(subs)]


async def test_pushes_go_through_the_proxy_of_the_environment(
    settings: Settings, receiver: WebPushReceiver, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    async with PushSender(settings) as sender:
        results = await sender.send_many(targets(receiver, 3), PAYLOAD, ttl=60, urgency="high")
    assert [r.outcome for r in results] == ["sent"] * 3
    assert len(await receiver.wait_for_async(3)) == 3
    assert proxy.requests and all(r.startswith(f"POST {receiver.origin}/") for r in proxy.requests)


async def test_no_proxy_hosts_are_reached_directly(
    settings: Settings, receiver: WebPushReceiver, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with PushSender(settings) as sender:
        results = await sender.send_many(targets(receiver, 2), PAYLOAD, ttl=60, urgency="high")
    assert [r.outcome for r in results] == ["sent"] * 2
    assert len(await receiver.wait_for_async(2)) == 2
    assert proxy.requests == []


def test_proxy_for_follows_the_environment_when_it_changes(monkeypatch) -> None:
    """`proxy_for` keeps its answer per origin while the proxy variables stay the same (it was
    read once per send job), and reads them again when one changes."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                 "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    origin = "https://fcm.googleapis.com"
    assert proxy_for(origin) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxy_for(origin) == "http://proxy.example:3128"
    monkeypatch.setenv("NO_PROXY", "googleapis.com")
    assert proxy_for(origin) is None
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:8080")
    assert proxy_for(origin) == "http://other.example:8080"
    monkeypatch.delenv("HTTPS_PROXY")
    assert proxy_for(origin) is None
