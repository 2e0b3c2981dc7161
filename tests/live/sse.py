"""An in-process Server-Sent Events client that can leave an endless stream.

httpx's ASGITransport collects the whole body before it returns and never tells the app the
client left, so it cannot read an endless stream. This client drives the ASGI app directly:
chunks arrive as the app sends them, and closing sends `http.disconnect`, as a browser
closing its EventSource does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from backend.auth import sessions
from backend.live.service import READY_TYPE

TIMEOUT = 5.0


@dataclass
class SseMessage:
    event: str | None = None
    data: str | None = None
    id: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)


def parse_message(block: str) -> SseMessage:
    message = SseMessage()
    for line in block.split("\n"):
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "":
            message.comments.append(value)
        elif name == "data":
            message.data = value if message.data is None else f"{message.data}\n{value}"
        elif name == "retry":
            message.retry = int(value)
        elif name in ("event", "id"):
            setattr(message, name, value)
    return message


class SseStream:
    """`async with SseStream(app, "/api/v1/live", token) as stream: await stream.next_event()`."""

    def __init__(self, app: Any, path: str, session_token: str | None = None, query: str = "") -> None:
        headers = [(b"host", b"testserver.local"), (b"accept", b"text/event-stream")]
        if session_token:
            headers.append((b"cookie", f"{sessions.COOKIE_NAME}={session_token}".encode()))
        self.scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
            "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
            "headers": headers, "server": ("testserver.local", 443), "client": ("127.0.0.1", 40000),
        }
        self.app = app
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.ended = False
        self._started = asyncio.Event()
        self._left = asyncio.Event()
        self._chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._buffer = ""
        self._request_sent = False
        self._task: asyncio.Task | None = None

    async def _receive(self) -> dict[str, Any]:
        if not self._request_sent:
            self._request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._left.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
            self._started.set()
        elif message["type"] == "http.response.body":
            if message.get("body"):
                await self._chunks.put(message["body"])
            if not message.get("more_body", False):
                await self._chunks.put(None)

    async def __aenter__(self) -> "SseStream":
        self._task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        await asyncio.wait_for(self._started.wait(), TIMEOUT)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Leave, as a browser does, and wait for the app to finish the request."""
        self._left.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, TIMEOUT)

    async def next_message(self, timeout: float = TIMEOUT) -> SseMessage:
        """The next message (event or comment); raises TimeoutError, or EOFError at the end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while "\n\n" not in self._buffer:
            if self.ended:
                raise EOFError("the stream ended")
            chunk = await asyncio.wait_for(self._chunks.get(), max(deadline - loop.time(), 0))
            if chunk is None:
                self.ended = True
            else:
                self._buffer += chunk.decode().replace("\r\n", "\n")
        block, self._buffer = self._buffer.split("\n\n", 1)
        return parse_message(block)

    async def next_event(self, timeout: float = TIMEOUT) -> SseMessage:
        """The next message that is an event (comments, the `retry:` opening and `ready` are skipped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.next_message(max(deadline - loop.time(), 0))
            if message.event != READY_TYPE and (message.event is not None or message.data is not None):
                return message

    async def no_event(self, within: float = 0.5) -> None:
        """Assert that no event arrives within `within` seconds."""
        try:
            message = await self.next_event(within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected event {message}")


async def wait_until(predicate: Callable[[], Awaitable[bool]], what: str, timeout: float = TIMEOUT) -> None:
    """Poll `predicate` until it holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
