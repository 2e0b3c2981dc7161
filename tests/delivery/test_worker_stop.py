"""Stopping the workers ends their periodic loops at once, even when a loop's task swallowed its
cancellation (every app's first stop in a process waited the whole 10 s bound of the shutdown for
`keep_leases`, whose cancel something under it had caught, then logged "shutdown of workers failed")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.settings import Settings
from backend.worker import WorkerSet


async def test_a_periodic_loop_that_swallowed_its_cancellation_still_stops_at_once() -> None:
    entered = asyncio.Event()

    async def stubborn(ctx: dict[str, Any]) -> None:
        entered.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            pass  # as a library under a job may do

    loop = asyncio.create_task(WorkerSet(Settings(), None, {})._every(3600, stubborn))  # type: ignore[arg-type]
    await entered.wait()
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(loop, 2)
