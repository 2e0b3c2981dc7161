"""`KeptTasks` holds tasks nobody awaits until they end, then lets them go; `settle` waits for them."""

from __future__ import annotations

import asyncio
import gc

from backend.lib.tasks import KeptTasks


async def test_a_kept_task_is_held_while_it_runs_and_let_go_once_done() -> None:
    kept, finished = KeptTasks(), asyncio.Event()

    async def cleanup(release: asyncio.Future) -> None:
        await release
        finished.set()

    release = asyncio.get_running_loop().create_future()
    kept.keep(asyncio.ensure_future(cleanup(release)))  # nobody else keeps the task
    await asyncio.sleep(0)
    gc.collect()
    assert len(kept) == 1
    release.set_result(None)
    await asyncio.wait_for(finished.wait(), 2)
    await asyncio.sleep(0)  # the done callback runs on the next turn of the loop
    assert len(kept) == 0


async def test_settle_waits_for_what_it_can_and_counts_what_is_left() -> None:
    kept = KeptTasks()
    quick = kept.keep(asyncio.ensure_future(asyncio.sleep(0.01)))
    slow = kept.keep(asyncio.ensure_future(asyncio.sleep(30)))
    assert await kept.settle(0.5) == 1 and quick.done() and not slow.done()
    slow.cancel()
    assert await kept.settle(1) == 0
