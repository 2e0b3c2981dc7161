"""E-mail jobs wait for the push jobs of every worker process (batches.PushFirst), on a real Valkey."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from backend.delivery.batches import PUSHING_KEY, PushFirst
from backend.lib.valkey import make_client
from backend.settings import Settings


async def test_e_mails_wait_for_another_process_pushing_not_for_a_dead_one_nor_past_the_limit(
    fx_settings: Settings,
) -> None:
    client = make_client(fx_settings.valkey_url)
    pushing_gate, mailing_gate = PushFirst(ttl=0.6), PushFirst(ttl=0.6, limit=1.5)  # two worker processes
    pusher: dict[str, Any] = {"valkey": client, "worker_id": "w:1:aaaaaa"}
    mailer: dict[str, Any] = {"valkey": client, "worker_id": "w:2:bbbbbb"}

    async def push_job(seconds: float) -> None:
        async with pushing_gate.pushing(pusher):
            await asyncio.sleep(seconds)

    try:
        job = asyncio.create_task(push_job(0.8))
        await asyncio.sleep(0.1)
        assert b"w:1:aaaaaa" in await client.hgetall(PUSHING_KEY)
        started = time.monotonic()
        await mailing_gate.wait(mailer)  # the other process's pushes first
        waited = time.monotonic() - started
        assert job.done() and 0.5 <= waited < 1.4, waited
        started = time.monotonic()
        await pushing_gate.wait(pusher)  # its own entry does not hold a process back
        assert time.monotonic() - started < 0.3
        for _ in range(50):  # the entry goes once its pushes are done
            if not await client.hgetall(PUSHING_KEY):
                break
            await asyncio.sleep(0.02)
        assert await client.hgetall(PUSHING_KEY) == {}

        # A worker killed while pushing leaves its entry: it holds e-mails only until it lapses.
        await client.hset(PUSHING_KEY, "dead:3:cccccc", int((time.time() + 0.4) * 1000))
        started = time.monotonic()
        await mailing_gate.wait(mailer)
        assert 0.3 <= time.monotonic() - started < 1.2
        # And never past the limit, whatever the entries say.
        await client.hset(PUSHING_KEY, "stuck:4:dddddd", int((time.time() + 60) * 1000))
        started = time.monotonic()
        await mailing_gate.wait(mailer)
        assert 1.4 <= time.monotonic() - started < 2.5
    finally:
        await client.aclose()


async def test_a_fan_outs_e_mails_wait_no_later_than_its_deadline_whoever_is_pushing(fx_settings: Settings) -> None:
    """`until` (set once by a fan-out for its e-mail rows and e-mail jobs) ends every wait then."""
    client = make_client(fx_settings.valkey_url)
    gate = PushFirst(limit=5.0)
    mailer: dict[str, Any] = {"valkey": client, "worker_id": "w:2:bbbbbb"}
    try:
        await client.hset(PUSHING_KEY, "w:1:aaaaaa", int((time.time() + 60) * 1000))  # another process pushing
        started = time.monotonic()
        await gate.wait(mailer, until=time.time() + 0.5)
        assert 0.4 <= time.monotonic() - started < 1.5  # its deadline, not the 5 s limit
        started = time.monotonic()
        await gate.wait(mailer, until=time.time() - 1)  # a deadline passed: no wait at all
        assert time.monotonic() - started < 0.1

        async with gate.pushing(mailer):  # its own process pushing holds it the same way
            started = time.monotonic()
            await asyncio.wait_for(gate.wait(mailer, until=time.time() + 0.3), 3)
            assert 0.2 <= time.monotonic() - started < 1.2
    finally:
        await client.delete(PUSHING_KEY)
        await client.aclose()


async def test_a_big_fan_outs_e_mails_wait_for_its_pushes_past_the_limit_at_the_pushes_pace(fx_settings: Settings) -> None:
    """A fan-out of many pushes holds its e-mails as long as those pushes take at `pace` (not
    just `limit`): the deadline it gives goes past the limit, and the wait still ends as soon
    as nobody pushes."""
    gate = PushFirst(limit=0.3, pace=1000)
    assert gate.hold_seconds(100) == 0.3 and gate.hold_seconds(50_000) == 50.0
    client = make_client(fx_settings.valkey_url)
    mailer: dict[str, Any] = {"valkey": client, "worker_id": "w:2:bbbbbb"}
    try:
        await client.hset(PUSHING_KEY, "w:1:aaaaaa", int((time.time() + 60) * 1000))  # another process pushing
        started = time.monotonic()
        await gate.wait(mailer, until=time.time() + gate.hold_seconds(1_200))  # 1.2 s: past the 0.3 s limit
        assert 1.1 <= time.monotonic() - started < 2.0

        async def pushes_end() -> None:
            await asyncio.sleep(0.5)
            await client.hdel(PUSHING_KEY, "w:1:aaaaaa")

        await client.hset(PUSHING_KEY, "w:1:aaaaaa", int((time.time() + 60) * 1000))
        ending = asyncio.create_task(pushes_end())
        started = time.monotonic()
        await gate.wait(mailer, until=time.time() + gate.hold_seconds(50_000))
        assert 0.4 <= time.monotonic() - started < 1.5  # the pushes ended: no need to wait 50 s
        await ending
    finally:
        await client.delete(PUSHING_KEY)
        await client.aclose()
