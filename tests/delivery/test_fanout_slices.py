"""The fan-out walks its audience in slices, pushes first: the first push job is enqueued before
the last slice is read, every push job before any e-mail or SMS row is written, and a fan-out that
dies part-way, run again, reaches everyone once (one row per person and channel, each queued row
in one job) — real Valkey, SQLite or PostgreSQL."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from backend.communities.tables import Membership
from backend.delivery import fanout
from backend.delivery.fanout import FanoutPlan, Members, fan_out
from backend.delivery.tables import Delivery, PushSubscription
from backend.demo import make_commune, make_community, make_user
from backend.lib.queues import Queues
from backend.lib.valkey import make_client

KIND = "alert"
REF = 4242
SLICE = 25
CHANNELS = ("push", "email", "sms")


class Recording(Queues):
    """Real queues that note each enqueue (and how many rows were written by then), and die, as a
    killed worker would, at enqueue number `die_at`."""

    def __init__(self, client: Any, die_at: int | None = None) -> None:
        super().__init__(client)
        self.die_at = die_at
        self.calls: list[tuple[str, str, list[int], bool, int, float | None]] = []  # queue, key, ids, accepted, rows then, hold_until

    async def enqueue(self, queue: str, function: str, *, job_key: str | None = None, **kwargs: Any) -> Any:
        if self.die_at is not None and len(self.calls) + 1 == self.die_at:
            raise RuntimeError("fan-out worker killed")
        job = await super().enqueue(queue, function, job_key=job_key, **kwargs)
        written = await Delivery.count().where((Delivery.kind == KIND) & (Delivery.ref_id == REF))
        self.calls.append((queue, job_key or "", list(kwargs["delivery_ids"]), job is not None, written,
                           kwargs.get("hold_until")))
        return job


async def two_communities(password_hash: str) -> tuple[list[int], int, set[int]]:
    """Two communities (90 and 40 members, 10 of them in both, 5 suspended members, one pending),
    the author in the first: (the communities, the author, who should be reached)."""
    commune = await make_commune("Bellerive-sur-Loire", "45999", "45100")
    first, second = await make_community(commune, "Les Tilleuls"), await make_community(commune, "Centre-Bourg")
    author = await make_user("auteur@test.vigie.fr", "Alice", "Auteur", password_hash=password_hash,
                             community_id=first)
    reached: set[int] = set()
    for i in range(120):
        uid = await make_user(f"voisin{i}@test.vigie.fr", f"Voisin{i}", "Test", password_hash=password_hash,
                              phone=f"+336{22000000 + i}", community_id=first if i < 80 else second)
        if i < 10:  # member of both
            await Membership.insert(Membership(user=uid, community=second, status="active"))
        if i % 2 == 0:
            await PushSubscription.insert(PushSubscription(user=uid, endpoint=f"https://push.test/{i}",
                                                           p256dh="p" * 40, auth="a" * 16))
        reached.add(uid)
    pending = await make_user("attente@test.vigie.fr", "Paul", "Attente", password_hash=password_hash,
                              community_id=first, status="pending")
    assert pending not in reached
    return [first, second], author, reached


@pytest.fixture
async def queues_client(fx_settings: Any) -> Any:
    client = make_client(fx_settings.valkey_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


async def test_a_fan_out_killed_after_two_slices_and_run_again_reaches_everyone_once(
        fx_engine: Any, fx_password_hash: str, queues_client: Any) -> None:
    communities, author, reached = await two_communities(fx_password_hash)
    audience = Members(communities, author)
    plan = FanoutPlan(urgent=True, follow_channels=False)
    slices = -(-len(reached) // SLICE)  # SLICE < BATCH: one job per channel and slice
    # The push pass (one job per slice), then e-mail and SMS slice by slice: killed at slice 3's e-mail job.
    dying = Recording(queues_client, die_at=slices + 2 * 2 + 1)
    with pytest.raises(RuntimeError, match="killed"):
        await fan_out(dying, KIND, REF, audience, plan, slice_size=SLICE)
    rows = await Delivery.select(Delivery.user, Delivery.channel).where(Delivery.ref_id == REF)
    written = Counter(r["channel"] for r in rows)
    assert written == Counter(push=len(reached), email=3 * SLICE, sms=2 * SLICE)  # slice 3's e-mail rows, no job
    assert [c[0] for c in dying.calls] == ["push"] * slices + ["email", "sms"] * 2
    assert [c[4] for c in dying.calls[:slices]] == [min(SLICE * (i + 1), len(reached)) for i in range(slices)]

    again = Recording(queues_client)
    fanned = await fan_out(again, KIND, REF, audience, plan, slice_size=SLICE)

    rows = await Delivery.select(Delivery.id, Delivery.user, Delivery.channel, Delivery.state).where(
        (Delivery.kind == KIND) & (Delivery.ref_id == REF))
    assert Counter((r["user"], r["channel"]) for r in rows) == Counter(
        (u, c) for u in reached for c in CHANNELS)  # everyone, once per channel; not the author, not the pending
    queued = {r["id"] for r in rows if r["state"] == "queued"}
    assert len(queued) == len(reached) * 2 + len(reached) // 2  # e-mail, SMS for all; push for the half with a device
    assert fanned.queued == Counter(push=len(reached) // 2, email=len(reached), sms=len(reached))
    accepted = [ids for (_, _, ids, ok, *_) in dying.calls + again.calls if ok]
    in_jobs = Counter(i for ids in accepted for i in ids)
    assert set(in_jobs) == queued and max(in_jobs.values()) == 1  # every queued row in exactly one live job
    # The push pass and slices 1–2's e-mail and SMS again: same keys, refused by SAQ.
    assert not any(ok for (_, _, _, ok, *_) in again.calls[:slices + 4])
    assert [c[0] for c in again.calls if c[3]] == ["email", "sms"] * (slices - 2)
    first_push = next(c for c in dying.calls if c[0] == "push")
    assert first_push[4] == SLICE * 1  # the first push job left when one slice (its push rows) was written
    assert first_push[4] < len(reached)


async def test_a_list_audience_goes_in_slices_too_and_a_replay_adds_nothing(
        fx_engine: Any, fx_password_hash: str, queues_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    communities, author, reached = await two_communities(fx_password_hash)
    monkeypatch.setattr(fanout, "SLICE", 50)
    listed = await fanout.community_recipients(communities, author)
    assert sorted(r.user_id for r in listed) == sorted(reached)
    paged: list[int] = []
    async for page in Members(communities, author, only=set(sorted(reached)[::3])).slices(40):
        paged += [r.user_id for r in page]
    assert paged == sorted(reached)[::3]  # keyset pages, filtered after the page: no one skipped
    queues = Recording(queues_client)
    first = await fan_out(queues, KIND, REF, list(reversed(listed)), FanoutPlan(channels=("email",)))
    assert first.jobs == 3 and first.queued == Counter(email=len(reached))  # 50 + 50 + 20
    replay = await fan_out(queues, KIND, REF, listed, FanoutPlan(channels=("email",)))
    assert replay.queued == first.queued and not any(c[3] for c in queues.calls[3:])
    assert await Delivery.count() == len(reached)


async def test_the_other_channels_rows_wait_for_the_pushes_once_and_only_when_pushes_were_queued(
        fx_engine: Any, fx_password_hash: str, queues_client: Any) -> None:
    communities, author, reached = await two_communities(fx_password_hash)
    seen: list[Counter[str]] = []

    async def after_pushes(pushes: int) -> float:  # what the worker's "push first" wait would find written
        rows = await Delivery.select(Delivery.channel, Delivery.state).where(Delivery.ref_id == REF)
        seen.append(Counter(r["channel"] for r in rows))
        assert 0 < pushes == sum(r["state"] == "queued" for r in rows)  # told how many pushes it waits for
        return 1234.5

    queues = Recording(queues_client)
    await fan_out(queues, KIND, REF, Members(communities, author), FanoutPlan(urgent=True, follow_channels=False),
                  slice_size=SLICE, after_pushes=after_pushes)
    assert seen == [Counter(push=len(reached))]  # once, after every push row and before any other
    # The deadline the wait returns goes to the fan-out's e-mail jobs (their own wait for pushes ends then).
    assert {c[0]: c[5] for c in queues.calls} == {"push": None, "email": 1234.5, "sms": None}
    pushes = sum(1 for c in queues.calls if c[0] == "push")
    assert pushes == -(-len(reached) // SLICE) and [c[0] for c in queues.calls[:pushes]] == ["push"] * pushes

    await fan_out(Recording(queues_client), KIND, REF + 1, Members(communities, author),
                  FanoutPlan(channels=("email", "sms")), slice_size=SLICE, after_pushes=after_pushes)
    assert len(seen) == 1  # no push queued: nothing to wait for
