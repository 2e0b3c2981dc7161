"""Keep a child process running: `vigie run` restarts its worker when it dies, with backoff."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def terminate(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` s (a stuck process must not outlive
    its owner)."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Supervised:
    """Start `argv`, and start it again whenever it exits on its own: after 1 s, then 2, 4…
    up to `max_delay` while it keeps dying young; back to 1 s once it has run `healthy_after` s.
    `say` reports each death and restart (French, for the person at the console)."""

    def __init__(self, argv: Sequence[str], *, env: dict[str, str], cwd: Path, name: str = "worker",
                 say: Callable[[str], None] = print, max_delay: float = 30.0, healthy_after: float = 60.0) -> None:
        self.argv = list(argv)
        self.env = env
        self.cwd = cwd
        self.name = name
        self.say = say
        self.max_delay = max_delay
        self.healthy_after = healthy_after
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Supervised":
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name=f"supervise-{self.name}", daemon=True)
        self._thread.start()
        return self

    def _spawn(self) -> None:
        # Own session: Ctrl-C reaches only `vigie run`, which then stops its children in order.
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, start_new_session=True)
        self.started_at = time.monotonic()

    def _watch(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            proc = self.proc
            assert proc is not None
            code = proc.wait()
            if self._stopping.is_set():
                return
            lived = time.monotonic() - self.started_at
            if lived >= self.healthy_after:
                delay = 1.0
            self.say(f"Le {self.name} s'est arrêté (code {code}) : redémarrage dans {delay:g} s.")
            if self._stopping.wait(delay):
                return
            self._spawn()
            self.restarts += 1
            self.say(f"Le {self.name} est relancé (pid {self.proc.pid if self.proc else '?'}).")
            delay = min(delay * 2, self.max_delay)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching, then SIGTERM the child (SIGKILL after `timeout`)."""
        self._stopping.set()
        if self.proc is not None:
            terminate(self.proc, timeout)
        if self._thread is not None:
            self._thread.join(2)
