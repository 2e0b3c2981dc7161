"""Tasks nobody awaits any more, kept referenced until they end.

The event loop holds only a weak reference to a task: one whose caller went away (a cleanup
left to finish after a cancellation, a retry in the background) may be collected mid-way
unless something holds it (https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task).
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

F = TypeVar("F", bound=asyncio.Future)


class KeptTasks:
    """A set of futures, each held until it is done."""

    def __init__(self) -> None:
        self._pending: set[asyncio.Future] = set()

    def keep(self, future: F) -> F:
        """`future`, referenced here until it ends."""
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def __len__(self) -> int:
        return len(self._pending)

    async def settle(self, timeout: float) -> int:
        """Wait (at most `timeout` s) for the futures kept now; how many are still running."""
        pending = list(self._pending)
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return sum(not future.done() for future in pending)
