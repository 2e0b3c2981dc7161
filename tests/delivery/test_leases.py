"""Claims carry a worker and a short lease: renewed while the worker lives, taken over once it lapses;
outcomes are journaled with back-pressure; the API shows `sending`, attempts and the last error."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from backend.delivery import leases, service
from backend.delivery.outcomes import Outcomes, SentJournal
from backend.delivery.tables import Delivery
from backend.demo import make_commune, make_community, make_user
from backend.lib.queues import Queues
from backend.lib.sql import bulk_insert
from backend.lib.valkey import make_client

COLUMNS = ["kind", "ref_id", "user", "channel", "state"]


async def rows(count: int, channel: str = "push", ref_id: int = 7) -> list[int]:
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    users = [await make_user(f"l{i}@test.vigie.fr", "L", "T", password_hash="x", community_id=community) for i in range(count)]
    await bulk_insert(Delivery, COLUMNS, [("alert", ref_id, u, channel, "queued") for u in users])
    return [r["id"] for r in await Delivery.select(Delivery.id).order_by(Delivery.id)]


async def test_a_claim_carries_its_worker_a_lease_and_an_attempt_and_is_given_once(fx_engine) -> None:
    ids = await rows(3)
    first = await leases.claim(ids, "host:1:aaaaaa", 5.0)
    again = await leases.claim(ids, "host:2:bbbbbb", 5.0)
    assert sorted(r["id"] for r in first) == ids and again == []
    stored = await Delivery.select().order_by(Delivery.id)
    assert {(r["state"], r["worker"], r["attempts"]) for r in stored} == {("sending", "host:1:aaaaaa", 1)}
    assert all(r["lease_until"] is not None for r in stored)


async def test_a_lapsed_lease_is_taken_over_with_a_new_job_and_a_renewed_one_is_not(fx_engine, fx_settings) -> None:
    ids = await rows(4)
    await leases.claim(ids[:2], "dead:1:aaaaaa", 0.3)
    await leases.claim(ids[2:], "live:2:bbbbbb", 0.3)
    client = make_client(fx_settings.valkey_url)
    queues = Queues(client)
    try:
        assert await leases.renew("live:2:bbbbbb", 30) == 2  # the live worker renews; the dead one cannot
        await asyncio.sleep(0.4)
        assert await leases.take_over(queues, timedelta(minutes=2)) == 2
        assert await leases.take_over(queues, timedelta(minutes=2)) == 0
        stored = {r["id"]: r for r in await Delivery.select()}
        assert [stored[i]["state"] for i in ids] == ["queued", "queued", "sending", "sending"]
        assert "dead:1:aaaaaa" in stored[ids[0]]["last_error"]
        assert (await queues.depths())["push"] == 1  # one job for the two rows taken over
        # that worker dies too, after one of its pushes was accepted and journaled, not written
        await SentJournal(client, "live:2:bbbbbb").add([ids[2]])
        assert await leases.renew("live:2:bbbbbb", 0.2) == 2
        await asyncio.sleep(0.4)
        assert await leases.claim(ids[2:], "other:3:cccccc", 5.0) == []  # lapsed rows: take_over's
        assert await leases.take_over(queues, timedelta(minutes=2)) == 1
        stored = {r["id"]: r for r in await Delivery.select()}
        assert (stored[ids[2]]["state"], stored[ids[3]]["state"]) == ("sent", "queued")  # not sent twice
        assert "live:2:bbbbbb" in stored[ids[2]]["last_error"] and stored[ids[2]]["sent_at"] is not None
        taken = await leases.claim(ids[3:], "other:3:cccccc", 5.0)
        assert [r["id"] for r in taken] == ids[3:] and taken[0]["attempts"] == 2
    finally:
        await client.aclose()


async def test_outcomes_hold_new_sends_while_the_limit_is_unrecorded(fx_engine) -> None:
    ids = await rows(60)
    await leases.claim(ids, "w:1:aaaaaa", 30.0)
    outcomes = Outcomes(every=3600, size=5)
    worst = 0
    in_flight = 0

    async def send(delivery_id: int) -> None:
        nonlocal worst, in_flight
        await outcomes.room()
        in_flight += 1
        await asyncio.sleep(0.001)  # the far side accepts
        in_flight -= 1
        await outcomes.add(delivery_id, "sent")

    async def sender(part: list[int]) -> None:
        nonlocal worst
        for i in part:
            await send(i)
            worst = max(worst, outcomes.unrecorded)

    await asyncio.gather(*(sender(ids[k::4]) for k in range(4)))  # 4 requests in flight at most
    await outcomes.flush()
    assert worst <= 5 + 4
    assert await Delivery.count().where(Delivery.state == "sent") == 60
    stored = await Delivery.select(Delivery.lease_until).where(Delivery.state == "sent")
    assert {r["lease_until"] for r in stored} == {None}


async def test_with_a_journal_sends_wait_for_valkey_not_for_the_database(fx_engine, fx_settings) -> None:
    ids = await rows(40)
    await leases.claim(ids, "w:1:aaaaaa", 30.0)
    client = make_client(fx_settings.valkey_url)
    try:
        outcomes = Outcomes(every=3600, size=5, journal=SentJournal(client, "w:1:aaaaaa"), batch=1000)
        worst = 0
        for i in ids:
            await outcomes.room()
            await outcomes.add(i, "sent")
            worst = max(worst, outcomes.unrecorded)
        assert worst <= 5
        assert await SentJournal.read(client, "w:1:aaaaaa") == set(ids)  # recorded as they came
        assert await Delivery.count().where(Delivery.state == "sent") == 0  # rows written in batches
        await outcomes.flush()
        assert await Delivery.count().where(Delivery.state == "sent") == 40
        assert await SentJournal.read(client, "w:1:aaaaaa") == set()  # the rows say it now
    finally:
        await client.aclose()


async def test_counts_show_sending_and_mine_shows_attempts_and_the_last_error(fx_engine) -> None:
    ids = await rows(3, ref_id=9)
    await leases.claim(ids, "w:1:aaaaaa", 30.0)
    await service.record({("queued", "nouvel essai : 503 busy"): [ids[0]], ("sent", ""): [ids[1]]})
    counts = (await service.counts("alert", [9]))[9]["push"]
    assert (counts.queued, counts.sending, counts.sent) == (1, 1, 1)
    user = (await Delivery.select(Delivery.user).where(Delivery.id == ids[0]).first())["user"]
    [mine] = await service.mine("alert", 9, user)
    assert (mine.state, mine.attempts, mine.last_error) == ("queued", 1, "nouvel essai : 503 busy")
    user2 = (await Delivery.select(Delivery.user).where(Delivery.id == ids[2]).first())["user"]
    [other] = await service.mine("alert", 9, user2)
    assert other.state == "sending"


async def test_a_send_job_taken_by_a_lost_worker_before_its_claim_is_enqueued_again_once(fx_engine, fx_settings) -> None:
    import json
    import time

    ids = await rows(3)
    client = make_client(fx_settings.valkey_url)
    queues = Queues(client)
    try:
        queue = queues["push"]
        stamp = int((time.time() - 30) * 1000)  # SAQ's stamps are milliseconds
        for key, owner in (("send:push:1-3", "dead:1:aaaaaa"), ("send:push:9-9", "live:2:bbbbbb")):
            job_id = f"saq:job:{queue.name}:{key}"
            await client.set(job_id, json.dumps({"function": "send_push", "key": key, "kwargs": {"delivery_ids": ids},
                                                 "queued": stamp, "started": stamp, "worker_id": f"{owner}/push",
                                                 "status": "active"}))
            await client.rpush(queue.namespace("active"), job_id)
        live = {"live:2:bbbbbb"}
        assert await leases.rescue_jobs(queues, live, grace_seconds=6) == 1
        assert await leases.rescue_jobs(queues, live, grace_seconds=6) == 0  # once, whoever looks
        assert (await queues.depths())["push"] == 1
        assert await leases.rescue_jobs(queues, set(), grace_seconds=60) == 0  # too recent to judge
    finally:
        await client.aclose()


async def test_a_late_renewal_by_a_worker_still_beating_is_not_a_takeover(fx_engine, fx_settings) -> None:
    ids = await rows(2)
    await leases.claim(ids[:1], "slow:1:aaaaaa", 0.1)  # its renewal waits behind a database lock
    await leases.claim(ids[1:], "gone:2:bbbbbb", 0.1)
    await asyncio.sleep(0.3)
    client = make_client(fx_settings.valkey_url)
    try:
        assert await leases.take_over(Queues(client), timedelta(minutes=2), live={"slow:1:aaaaaa", "me"}) == 1
        states = {r["id"]: r["state"] for r in await Delivery.select()}
        assert states == {ids[0]: "sending", ids[1]: "queued"}
    finally:
        await client.aclose()


async def test_a_fanout_cut_short_by_a_lost_worker_is_enqueued_again(fx_engine, fx_settings) -> None:
    import json
    import time

    client = make_client(fx_settings.valkey_url)
    queues = Queues(client)
    try:
        queue = queues["fanout"]
        stamp = int((time.time() - 30) * 1000)
        job_id = f"saq:job:{queue.name}:fanout:alert:5"
        await client.set(job_id, json.dumps({"function": "fanout", "key": "fanout:alert:5", "timeout": 300,
                                             "retries": 10, "kwargs": {"kind": "alert", "ref_id": 5},
                                             "started": stamp, "worker_id": "dead:1:aaaaaa/fanout"}))
        await client.rpush(queue.namespace("active"), job_id)
        assert await leases.rescue_jobs(queues, {"me"}, grace_seconds=6) == 1
        [copy_id] = await client.lrange(queue.namespace("queued"), 0, -1)
        copy = json.loads(await client.get(copy_id))
        assert copy["function"] == "fanout" and copy["kwargs"] == {"kind": "alert", "ref_id": 5}
    finally:
        await client.aclose()
