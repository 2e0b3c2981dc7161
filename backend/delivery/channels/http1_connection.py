"""One HTTP/1.1 connection of `http1.Http1Pool`: one exchange at a time, its answer parsed by httptools
and handed to a callback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools


class HttpError(OSError):
    """The server's answer could not be read (closed early, malformed)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Answer = Callable[["Response | None", "BaseException | None"], None]
"""Called once per request, on the loop: (the response, None) or (None, the error)."""


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection, one exchange at a time; the answer goes to a callback."""

    def __init__(self, body_limit: int) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.used = 0
        self.idle_since = time.monotonic()
        self._body_limit = body_limit
        self._answer: Answer | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._response: Response | None = None
        self._body: list[bytes] = []
        self._body_len = 0
        self._got_bytes = False
        self._complete = False
        self.deadline = 0.0
        """When the request under way times out (the pool's loop clock); read by the watchdog."""

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._parser is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self._got_bytes = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(HttpError("unexpected protocol upgrade"))
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"malformed HTTP answer: {exc}"))

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._answer is None:
            return
        response = self._response
        if response is not None and response.status and not self._complete and self._no_length:
            self._finish()  # a body delimited by the end of the connection
        else:
            self._fail(HttpError(f"connection closed before the answer was complete ({exc or 'EOF'})"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:  # httptools gives whole names and values
        assert self._response is not None
        self._response.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        assert self._parser is not None and self._response is not None
        self._response.status = self._parser.get_status_code()
        headers = self._response.headers
        self._no_length = (
            "content-length" not in headers and "chunked" not in headers.get("transfer-encoding", "").lower()
        )

    def on_body(self, body: bytes) -> None:
        if self._body_len < self._body_limit:
            self._body.append(body[: self._body_limit - self._body_len])
            self._body_len += len(self._body[-1])

    def on_message_complete(self) -> None:
        self._finish()

    # own
    _no_length = False

    def _finish(self) -> None:
        assert self._parser is not None and self._response is not None
        self._complete = True
        keep = self._parser.should_keep_alive()
        self._response.body = b"".join(self._body)
        answer, response = self._answer, self._response
        self._reset()
        if not keep:
            self.close()
        if answer is not None:
            answer(response, None)

    def _fail(self, exc: BaseException) -> None:
        answer = self._answer
        self._reset()
        self.close()
        if answer is not None:
            answer(None, exc)

    def _reset(self) -> None:
        self._parser = None
        self._answer = None
        self._response = None
        self._body = []
        self._body_len = 0

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    given_up = False
    """The sender gave the request up (`give_up`): its end is no server's close, nothing to send again."""

    def give_up(self) -> None:
        """Drop the request under way and the connection (the sender no longer wants the answer)."""
        self.given_up = True
        self.abort()

    @property
    def answered_nothing(self) -> bool:
        return not self._got_bytes

    @property
    def waiting(self) -> bool:
        """A request is under way (sent, its answer not complete)."""
        return self._answer is not None

    def expire(self) -> None:
        """The request under way took too long: fail it with TimeoutError, drop the connection."""
        self._fail(TimeoutError("no complete answer in time"))

    def request(self, data: bytes, deadline: float, answer: Answer) -> None:
        assert self.transport is not None and self._answer is None
        self.deadline = deadline
        self._answer = answer
        self._response = Response(0)
        self._parser = httptools.HttpResponseParser(self)
        self._got_bytes = False
        self._complete = False
        self._no_length = False
        self.used += 1
        self.transport.write(data)
