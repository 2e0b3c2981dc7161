"""The outcome journal of a worker's sends: results written as they happen, with back-pressure.

A push or an e-mail accepted by the far side and not yet written to its delivery row would be
sent again if the worker died now (the row is still `sending`, its lease lapses, another worker
takes it over). `Outcomes` keeps that window small: results are buffered and written in
grouped UPDATEs (one per (state, reason)), and `room()`, awaited before each new send, holds
the sender while `size` results are waiting or being written. So at any instant, beyond the
requests in flight (bounded by the send concurrency), at most about `size` accepted sends are
unrecorded — whatever the throughput, and without one write per send: under load each UPDATE
takes everything that came back while the previous one ran.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any, Callable

from backend.delivery import service


class Outcomes:
    """Buffers (state, reason) → delivery ids and writes them in grouped UPDATEs: when `size`
    are waiting, and every `every` seconds while used as `async with` (or kept by a worker).

    `on_write(batch)`, if given, is called after each write (metrics)."""

    def __init__(self, every: float = 0.2, size: int = 10,
                 on_write: Callable[[dict[tuple[str, str], list[int]]], Any] | None = None) -> None:
        self.pending: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.count = 0
        self.writing = 0
        self.every = every
        self.size = max(1, size)
        self.on_write = on_write
        self._last = time.monotonic()
        self._lock = asyncio.Lock()
        self._written = asyncio.Event()
        self._ticker: asyncio.Task | None = None

    async def __aenter__(self) -> "Outcomes":
        self._ticker = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        await self.flush()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            if self.count:
                await self.flush()

    @property
    def unrecorded(self) -> int:
        """Results known here and not yet committed (waiting, or in the UPDATE under way)."""
        return self.count + self.writing

    async def room(self) -> None:
        """Wait until fewer than `size` results are unrecorded: call before each send."""
        while self.unrecorded >= self.size:
            if self._lock.locked():
                self._written.clear()
                await self._written.wait()
            else:
                await self.flush()

    async def add(self, delivery_id: int, state: str, reason: str = "") -> None:
        self.pending[(state, reason)].append(delivery_id)
        self.count += 1
        due = self.count >= self.size or time.monotonic() - self._last >= self.every
        if due and not self._lock.locked():  # a write under way: the next one takes these
            await self.flush()

    async def flush(self) -> None:
        """Write what is waiting; while the size is reached again during a write, write again."""
        async with self._lock:
            while True:
                batch, self.pending = self.pending, defaultdict(list)
                self.writing, self.count = self.count, 0
                self._last = time.monotonic()
                try:
                    if batch:
                        await service.record(batch)
                        if self.on_write is not None:
                            self.on_write(batch)
                finally:
                    self.writing = 0
                    self._written.set()
                if self.count < self.size:
                    return
