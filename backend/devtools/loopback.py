"""Loopback servers' shared pieces, for `vigie run`'s local services and the test servers.

Used by `backend/devtools/valkey.py`, `backend/devtools/mailcatcher.py` and the test ones in
`tests/fixtures/` (PostgreSQL, Web Push receiver, SMS provider emulator):

- `free_port()`: a free TCP port on 127.0.0.1;
- `LoopbackService`: base with `port`, `start()`/`stop()`, `with` support, and retry on
  another free port when the picked one was taken meanwhile (`StartupFailed`);
- `wait_until_ready()`, `stop_process()`, `log_tail()`: child-process chores;
- `Recorder` / `Recording`: a thread-safe list of received items, `wait_for()` (blocking)
  and `wait_for_async()` (for coroutines on the loop that runs the code under test);
- `BackgroundHTTPServer`: an aiohttp application served from its own thread and event loop.

Every server binds to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Self, TypeVar

if TYPE_CHECKING:  # aiohttp is imported lazily: `vigie run` does not need it for Valkey.
    from aiohttp import web

LOOPBACK = "127.0.0.1"

T = TypeVar("T")


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that is free on `host` right now.

    The port is released before returning, so another process could take it before the
    caller binds it; the servers retry with a new port when that happens.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- recorder


class Recorder(Generic[T]):
    """A thread-safe, append-only record of what a loopback server received.

    Servers call `add()` (keep the item) or `tally()` (count it without keeping it);
    tests read `items` / `count` and block on `wait_for()` (or await `wait_for_async()` from
    a coroutine running on the same loop as the code under test, which must not be blocked).
    """

    def __init__(self, what: str = "items") -> None:
        self._what = what
        self._items: list[T] = []
        self._uncounted = 0
        self._cond = threading.Condition()

    def add(self, item: T) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def tally(self, n: int = 1) -> None:
        """Count `n` arrivals that are not kept (see `verify_sample` of the push receiver)."""
        with self._cond:
            self._uncounted += n
            self._cond.notify_all()

    @property
    def items(self) -> list[T]:
        """A snapshot copy of the kept items, oldest first."""
        with self._cond:
            return list(self._items)

    @property
    def count(self) -> int:
        """Kept items plus tallied ones."""
        with self._cond:
            return len(self._items) + self._uncounted

    def clear(self) -> None:
        with self._cond:
            self._items.clear()
            self._uncounted = 0

    def wait_for(self, count: int, timeout: float = 5.0) -> list[T]:
        """Block until at least `count` arrivals; return the kept items.

        Raises `TimeoutError` (saying how many arrived) when `timeout` seconds pass first.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: self._count_locked() >= count, timeout):
                raise TimeoutError(
                    f"expected {count} {self._what}, got {self._count_locked()} "
                    f"after {timeout:g} s"
                )
            return list(self._items)

    async def wait_for_async(
        self, count: int, timeout: float = 5.0, poll: float = 0.01
    ) -> list[T]:
        """Like `wait_for()`, but yields to the running event loop while waiting."""
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"expected {count} {self._what}, got {self.count} after {timeout:g} s"
                )
            await asyncio.sleep(poll)
        return self.items

    def _count_locked(self) -> int:
        return len(self._items) + self._uncounted


class Recording(Generic[T]):
    """Mixin of the servers that keep what they receive in `self._recorder`."""

    _recorder: Recorder[T]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[T]:
        """Block until `count` arrivals; return the kept ones. `TimeoutError` otherwise."""
        return self._recorder.wait_for(count, timeout)

    async def wait_for_async(self, count: int, timeout: float = 5.0) -> list[T]:
        """`wait_for()` for coroutines: the caller's event loop keeps running meanwhile."""
        return await self._recorder.wait_for_async(count, timeout)


# --------------------------------------------------------------------------- bases


class StartupFailed(RuntimeError):
    """A server could not start; when its port was picked for it, another port may work."""


class LoopbackService:
    """Base of the servers here: a port on 127.0.0.1, `start()`/`stop()`, `with` support.

    `port=None` means "pick a free port at start"; subclasses start through
    `_start_on_free_port()`, which retries on another port when the picked one was taken.
    """

    host = LOOPBACK

    def __init__(self, port: int | None = None) -> None:
        self._fixed_port = port is not None
        self._port: int | None = port

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} has not been started")
        return self._port

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _start_on_free_port(
        self, launch: Callable[[], None], *, same_port: bool | None = None
    ) -> None:
        """Call `launch()` (which raises `StartupFailed` when the server did not come up)
        with `self.port` set: the fixed port once, else up to 3 freshly picked ports."""
        fixed = self._fixed_port if same_port is None else same_port
        attempts = 1 if fixed else 3
        for attempt in range(attempts):
            if not fixed:
                self._port = free_port(self.host)
            try:
                launch()
                return
            except StartupFailed:
                if attempt + 1 == attempts:
                    raise


def wait_until_ready(
    proc: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float, what: str
) -> bool:
    """Poll `ready()` until it is true (True) or `proc` exits (False); TimeoutError after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if ready():
            return True
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:g} s")
        time.sleep(0.02)
    return False


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Wait for `proc` to exit (SIGKILL after `timeout` s) and reap it: no zombie left.

    Ask it to stop first (signal, `pg_ctl stop`…); this only waits, escalates and reaps.
    """
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- HTTP


class BackgroundHTTPServer(LoopbackService):
    """An aiohttp application served on 127.0.0.1 from a thread with its own event loop.

    Subclasses implement `build_app()`. Convenient for synchronous tests and for async tests
    alike, since it never shares the caller's loop. Handlers run on the server's loop, so
    state they share with the test thread must be guarded by a lock.
    """

    def __init__(self, port: int | None = None, *, host: str = LOOPBACK,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(port)
        self.host = host
        self.ssl_context = ssl_context  # serve HTTPS (with a test CA's certificate)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        raise NotImplementedError

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT` (https:// with an ssl_context)."""
        return f"{'https' if self.ssl_context is not None else 'http'}://{self.host}:{self.port}"

    def start(self) -> str:
        """Serve in a background thread; return the origin once listening."""
        if self._thread is not None:
            return self.origin
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._setup())
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._teardown())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name=type(self).__name__, daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = self._loop = None
            raise failure[0]
        return self.origin

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = self._loop = None

    async def _setup(self) -> None:
        # lazy: aiohttp's server is loaded when a loopback service starts
        from aiohttp import web

        self._runner = web.AppRunner(self.build_app(), shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port if self._fixed_port else 0, ssl_context=self.ssl_context)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def _teardown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
