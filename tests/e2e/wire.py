"""What a browser really downloads, as Chromium counts it: the sum of
`Network.loadingFinished.encodedDataLength` (bytes on the wire: headers and the body as sent,
compressed or not) over every request of every page AND of the service worker.

Playwright's own CDP sessions cannot address a worker's session, so the meter talks to the
browser's DevTools endpoint itself (a browser launched with --remote-debugging-port): browser-level
auto-attach, flat sessions, each page and service worker paused at start until its Network domain
listens, so not even the worker's first fetch is missed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

WATCHED = {"page", "service_worker", "worker", "iframe"}


@dataclass
class Transfer:
    url: str
    target: str  # "page" or "service_worker"
    status: int
    encoded: int
    from_worker: bool = False  # answered by the service worker: its own fetch is counted there


@dataclass
class WireMeter:
    """`async with WireMeter(port) as meter: ...; meter.total()` (bytes), `meter.report()`."""

    port: int
    transfers: dict[tuple[str, str], Transfer] = field(default_factory=dict)
    _pending: dict[tuple[str, str], Transfer] = field(default_factory=dict)
    _types: dict[str, str] = field(default_factory=dict)
    _targets: set[str] = field(default_factory=set)
    _ids: int = 0

    async def __aenter__(self) -> "WireMeter":
        self._http = aiohttp.ClientSession()
        async with self._http.get(f"http://127.0.0.1:{self.port}/json/version") as response:
            endpoint = (await response.json())["webSocketDebuggerUrl"]
        self._ws = await self._http.ws_connect(endpoint, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self._send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True})
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._reader.cancel()
        await self._ws.close()
        await self._http.close()

    async def _send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> None:
        self._ids += 1
        message: dict[str, Any] = {"id": self._ids, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        await self._ws.send_str(json.dumps(message))

    async def _read(self) -> None:
        async for frame in self._ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            method, params, session = message.get("method"), message.get("params", {}), message.get("sessionId", "")
            if method == "Target.attachedToTarget":
                await self._attached(params)
            elif method == "Network.responseReceived":
                response = params["response"]
                self._pending[(session, params["requestId"])] = Transfer(
                    response["url"], self._types.get(session, "?"), response["status"], 0,
                    bool(response.get("fromServiceWorker")))
            elif method == "Network.loadingFinished":
                key = (session, params["requestId"])
                transfer = self._pending.pop(key, None) or Transfer("?", self._types.get(session, "?"), 0, 0)
                transfer.encoded = int(params["encodedDataLength"])
                self.transfers[key] = transfer

    async def _attached(self, params: dict[str, Any]) -> None:
        session, kind, target = params["sessionId"], params["targetInfo"]["type"], params["targetInfo"]["targetId"]
        self._types[session] = kind
        # A service worker is attached twice (from the browser and from the page it controls): count it once.
        if kind in WATCHED and target not in self._targets:
            self._targets.add(target)
            await self._send("Network.enable", {}, session)
            await self._send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                                      "flatten": True}, session)
        await self._send("Runtime.runIfWaitingForDebugger", {}, session)

    def total(self, target: str | None = None) -> int:
        """Bytes received from the network, by every target or by one kind ("page", "service_worker")."""
        return sum(t.encoded for t in self.transfers.values()
                   if not t.from_worker and (target is None or t.target == target))

    def report(self) -> str:
        rows = sorted(self.transfers.values(), key=lambda t: -t.encoded)
        lines = [f"{t.encoded:>8} {t.status} {t.target:<14} {'(sw) ' if t.from_worker else ''}{t.url}" for t in rows]
        return "\n".join([f"{self.total()} bytes in {len(rows)} requests", *lines])
