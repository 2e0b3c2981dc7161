"""Fan-out: who gets a notice on which channel, the delivery rows, and the send jobs.

The audience is walked in slices of SLICE people (keyset on user id): per slice, recipients,
preferences and device counts come in one query, its delivery rows are bulk-inserted under a
unique (kind, ref, user, channel) index (a replayed slice adds no row) and its send jobs are
enqueued at once, BATCH rows each, keyed so enqueueing again is harmless. Two walks: the push
rows of every slice first, then the e-mail and SMS rows — so the first push leaves after one
slice, not after the whole commune, and the pushes are not slowed by the writes of rows whose
sends wait for them anyway (`push_first`: e-mails hold while pushes are in flight). bench/fanout.py,
10,000 members, idle machine: last push 2.19 and 2.66 s against 2.78 s with one walk. The
second walk itself starts once the pushes are out (`after_pushes`, the same "push first" wait,
10 s at most, longer for more than 10,000 pushes: `batches.PushFirst.hold_seconds`): written
during the pushes, its 20,000 rows and second read of the audience took the CPU and SQLite's
write lock from them — workers' CPU per push 235-296 µs against 293-356 µs (bench/fanout.py,
4 runs each, alternating, load ~4). The fan-out's memory is one slice's whatever the size of the audience. A fan-out killed mid-way is
run again by SAQ (or the outbox): it walks every slice again, finds the rows of the slices done
and enqueues again only their rows still queued, under the same keys.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Awaitable, Callable, Collection, Iterable, NamedTuple, Sequence

from backend.delivery.preferences import in_quiet_hours
from backend.delivery.states import CHANNELS, DeliveryState
from backend.delivery.tables import Delivery
from backend.lib import clock
from backend.lib.queues import Queues
from backend.lib.sql import bulk_insert, chunks, placeholders, raw

BATCH = 100  # recipients per send job
ENQUEUE_AT_ONCE = 5  # send jobs enqueued together by a fan-out (see enqueue_queued)
SLICE = 2000  # recipients per slice of a fan-out (one query, one insert per channel, their jobs)
STALE_CLAIM = timedelta(minutes=2)


class Recipient(NamedTuple):
    """One person a notice may reach, with their channel choices and what they can be reached on."""

    user_id: int
    push: bool = True
    email: bool = True
    sms: bool = False
    quiet_start: str = ""
    quiet_end: str = ""
    devices: int = 0
    has_email: bool = True
    has_phone: bool = True
    has_mobile: bool = True  # a French or Belgian mobile (users.phone_mobile): a landline gets no SMS


_RECIPIENT_SELECT = (
    'SELECT u.id AS user_id, u.email AS address, u.phone AS phone, u.phone_mobile AS mobile, p.push AS push, p.email AS email, '
    'p.sms AS sms, p.quiet_start AS quiet_start, p.quiet_end AS quiet_end, '
    '(SELECT COUNT(*) FROM push_subscriptions s WHERE s."user" = u.id) AS devices '
)
RECIPIENT_COLUMNS = _RECIPIENT_SELECT + 'FROM users u LEFT JOIN delivery_preferences p ON p."user" = u.id '


async def community_recipients(community_ids: Sequence[int], exclude_user: int | None, *, after: int = 0,
                               limit: int | None = None) -> list[Recipient]:
    """Active members of the communities, with their preferences and device counts: one query.

    With `limit`: the first `limit` of them by user id after user `after` (a slice of `Members`)."""
    # A semi-join (`u.id IN (members)`), not a join + DISTINCT: a member of two of the communities
    # comes once without sorting every row (50,000 residents: 2.3 → 1.1 s at load ~14, JIT off too).
    sql = RECIPIENT_COLUMNS + (
        "WHERE u.is_suspended = {} AND u.id IN (SELECT m.\"user\" FROM memberships m WHERE m.status = 'active' "
        f"AND m.community IN ({placeholders(len(community_ids))}))"
    )
    args: list[Any] = [False, *community_ids]
    if exclude_user is not None:
        sql += " AND u.id != {}"
        args.append(exclude_user)
    if limit is not None:
        sql += " AND u.id > {} ORDER BY u.id LIMIT {}"
        args += [after, limit]
    # Not piccolo's raw(): its QueryString took 0.1–0.3 s to compile the ~5,000 community ids
    # of a commune, once a slice, with the event loop (and the worker's leases) held.
    rows = await raw(Delivery, sql, *args)
    return [_recipient(r) for r in rows]


@dataclass(frozen=True)
class Members:
    """An audience too large to hold: the active members of `community_ids` (a member of two of
    them once), but `exclude_user`, and only those in `only` when given; read by `fan_out` a
    slice at a time."""

    community_ids: Sequence[int]
    exclude_user: int | None = None
    only: Collection[int] | None = None

    async def slices(self, size: int) -> AsyncIterator[list[Recipient]]:
        after = 0
        while True:
            page = await community_recipients(self.community_ids, self.exclude_user, after=after, limit=size)
            if not page:
                return
            after = page[-1].user_id
            yield page if self.only is None else [r for r in page if r.user_id in self.only]
            if len(page) < size:
                return


Audience = Sequence[Recipient] | Members


async def _slices(audience: Audience, size: int) -> AsyncIterator[list[Recipient]]:
    """The audience by slices of `size` people, in user id order."""
    if isinstance(audience, Members):
        async for page in audience.slices(size):
            yield page
        return
    ordered = sorted(audience, key=lambda r: r.user_id)
    for part in chunks(ordered, size):
        yield list(part)


async def user_recipients(user_ids: Sequence[int]) -> list[Recipient]:
    """These people (not suspended), with their preferences and device counts: one query.

    For notices to one or a few people (an author, a requester), member of a community or not.
    """
    if not user_ids:
        return []
    sql = (_RECIPIENT_SELECT + 'FROM users u LEFT JOIN delivery_preferences p ON p."user" = u.id '
           f"WHERE u.is_suspended = {{}} AND u.id IN ({placeholders(len(user_ids))})")
    return [_recipient(r) for r in await Delivery.raw(sql, False, *user_ids)]


def _recipient(r: dict[str, Any]) -> Recipient:
    return Recipient(
        user_id=r["user_id"],
        push=True if r["push"] is None else bool(r["push"]),
        email=True if r["email"] is None else bool(r["email"]),
        sms=False if r["sms"] is None else bool(r["sms"]),
        quiet_start=r["quiet_start"] or "", quiet_end=r["quiet_end"] or "",
        # mobile-ness is decided when the phone is saved (users.phone_mobile), not parsed here:
        # ~85 µs a number would add ~0.85 s to a fan-out of 10,000
        devices=int(r["devices"] or 0), has_email=bool(r["address"]), has_phone=bool(r["phone"]),
        has_mobile=bool(r["mobile"]),
    )


@dataclass
class FanoutPlan:
    """Which channels to use, and whether quiet hours are broken (urgent)."""

    channels: tuple[str, ...] = CHANNELS
    urgent: bool = False
    follow_channels: bool = True  # respect each member's channel choices


class PlannedRow(NamedTuple):
    """A delivery row to insert, in DELIVERY_COLUMNS order (a tuple: `bulk_insert` takes it as is)."""

    kind: str
    ref_id: int
    user: int
    channel: str
    state: DeliveryState
    reason: str
    created_at: datetime
    updated_at: datetime
    watch: str = ""  # push rows sent: "urgent" | "normal", looked at by receipts.check_receipts


def plan_rows(kind: str, ref_id: int, recipients: Iterable[Recipient], plan: FanoutPlan,
              at: datetime, channels: Sequence[str] | None = None) -> list[PlannedRow]:
    """The delivery rows of a fan-out: queued where the channel can be used, skipped (with why) elsewhere.
    `channels`: only those of the plan's channels (a walk of `fan_out`)."""
    rows = []
    wanted_channels = [c for c in plan.channels if channels is None or c in channels]
    for r in recipients:
        quiet = not plan.urgent and in_quiet_hours(r.quiet_start, r.quiet_end, at)
        for channel in wanted_channels:
            wanted = getattr(r, channel) if plan.follow_channels else True
            state, reason = DeliveryState.QUEUED, ""
            if not wanted:
                state, reason = DeliveryState.SKIPPED, "désactivé dans les réglages"
            elif channel == "push" and r.devices == 0:
                state, reason = DeliveryState.SKIPPED, "aucun appareil abonné"
            elif channel == "email" and not r.has_email:
                state, reason = DeliveryState.SKIPPED, "pas d'adresse e-mail"
            elif channel == "sms" and not r.has_phone:
                state, reason = DeliveryState.SKIPPED, "pas de numéro de téléphone"
            elif channel == "sms" and not r.has_mobile:
                state, reason = DeliveryState.SKIPPED, "numéro fixe : pas de SMS"
            elif quiet:
                state, reason = DeliveryState.SKIPPED, "heures calmes"
            watch = ("urgent" if plan.urgent else "normal") if channel == "push" and state == DeliveryState.QUEUED else ""
            rows.append(PlannedRow(kind, ref_id, r.user_id, channel, state, reason, at, at, watch))
    return rows


DELIVERY_COLUMNS = ["kind", "ref_id", "user", "channel", "state", "reason", "created_at", "updated_at", "watch"]


class Fanned(NamedTuple):
    """What a fan-out did: send jobs enqueued, and rows planned as queued per channel (all slices)."""

    jobs: int
    queued: Counter[str]


async def fan_out(queues: Queues, kind: str, ref_id: int, audience: Audience, plan: FanoutPlan,
                  slice_size: int | None = None,
                  after_pushes: Callable[[int], Awaitable[float | None]] | None = None) -> Fanned:
    """Create the delivery rows (idempotent) and enqueue send jobs of BATCH recipients per channel,
    a slice of the audience at a time (see the module's docstring).

    Pushes first, for the whole audience, then the other channels in the plan's order, slice by
    slice. `after_pushes`, when pushes were queued, is awaited in between with their number (the
    send jobs' "push first" wait: the rows of the other channels are not written while pushes go
    out); the deadline it returns goes to the e-mail jobs (their own wait for pushes ends then at
    the latest). One time for the whole fan-out: quiet hours are those of its start.
    """
    at = clock.now()
    jobs, queued = 0, Counter[str]()
    hold_until: float | None = None
    push_pass = [c for c in plan.channels if c == "push"]
    for channels in (push_pass, [c for c in plan.channels if c != "push"]):
        if not channels:
            continue
        if channels != push_pass and queued["push"] and after_pushes is not None:
            hold_until = await after_pushes(queued["push"])
        async for recipients in _slices(audience, slice_size or SLICE):
            if not recipients:
                continue
            rows = plan_rows(kind, ref_id, recipients, plan, at, channels)
            queued.update(r.channel for r in rows if r.state == DeliveryState.QUEUED)
            users = (recipients[0].user_id, recipients[-1].user_id)
            for channel in channels:
                await bulk_insert(Delivery, DELIVERY_COLUMNS, [r for r in rows if r.channel == channel])
                jobs += await enqueue_queued(queues, kind, ref_id, channel=channel, users=users, hold_until=hold_until)
    return Fanned(jobs, queued)


PHONE_COLUMNS = ["kind", "ref_id", "phone", "channel", "state", "reason", "created_at", "updated_at"]


async def fan_out_phones(queues: Queues, kind: str, ref_id: int, phones: Sequence[str]) -> int:
    """SMS rows to people without an account (`user` NULL, `phone` E.164): one per (kind, ref, phone)
    under the partial unique index, so a replayed fan-out adds none; then their send jobs."""
    now = clock.now()
    rows = [(kind, ref_id, phone, "sms", DeliveryState.QUEUED, "", now, now) for phone in sorted(set(phones)) if phone]
    if not rows:
        return 0
    await bulk_insert(Delivery, PHONE_COLUMNS, rows)
    return await enqueue_queued(queues, kind, ref_id, channel="sms")


async def enqueue_queued(queues: Queues, kind: str, ref_id: int, again: str = "", channel: str | None = None,
                         users: tuple[int, int] | None = None, hold_until: float | None = None) -> int:
    """Enqueue send jobs for every still-queued delivery of (kind, ref): jobs are keyed, so this is idempotent.

    `again` is added to the keys when re-sending rows whose job died with its worker: SAQ keeps
    that job, under the old key, until its sweep finds it stuck (minutes), and would refuse a
    job with the same key until then. A duplicate job is harmless: `claim` gives each row once.
    `channel` limits it to that channel's rows, `users` (first, last user id) to a slice's;
    `hold_until` goes to the e-mail jobs (`jobs.send_email`).
    """
    sql = f"SELECT id, channel FROM deliveries WHERE kind = {{}} AND ref_id = {{}} AND state = '{DeliveryState.QUEUED}'"
    args: list[Any] = [kind, ref_id]
    if channel is not None:
        sql += " AND channel = {}"
        args.append(channel)
    if users is not None:
        sql += ' AND "user" BETWEEN {} AND {}'
        args += list(users)
    rows = await Delivery.raw(sql + " ORDER BY id", *args)
    by_channel: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_channel[r["channel"]].append(r["id"])
    parts = [(name, part) for name, ids in by_channel.items() for part in chunks(ids, BATCH)]

    async def enqueue(name: str, part: Sequence[int]) -> None:
        extra = {"hold_until": hold_until} if name == "email" and hold_until is not None else {}
        await queues.enqueue(name, f"send_{name}", job_key=f"send:{name}:{part[0]}-{part[-1]}{again}",
                             delivery_ids=list(part), timeout=120, retries=3, **extra)

    # The first job alone (it can leave at once), then the others ENQUEUE_AT_ONCE at a time: a
    # fan-out shares its worker's event loop with that worker's push jobs, and each await of an
    # enqueue waited behind their callbacks, the next slice's rows with it (bench/fanout.py).
    # Not all at once: each concurrent command takes a Valkey connection of its own, and opening
    # 20 delayed the first push by ~0.1 s.
    for group in [parts[:1], *chunks(parts[1:], ENQUEUE_AT_ONCE)]:
        await asyncio.gather(*(enqueue(name, part) for name, part in group))
    return len(parts)


async def requeue_stale(queues: Queues, older_than: timedelta = STALE_CLAIM) -> int:
    """Queued rows that no job took for `older_than` (their job was lost with Valkey) get a job
    again. Rows a dead worker held are taken over sooner, by lease (`leases.take_over`)."""
    cutoff = clock.now() - older_than
    orphans = await Delivery.raw(
        f"SELECT DISTINCT kind, ref_id FROM deliveries WHERE state = '{DeliveryState.QUEUED}' AND updated_at < {{}}",
        cutoff)
    refs = {(r["kind"], r["ref_id"]) for r in orphans}
    again = clock.now().strftime(":again-%Y%m%dT%H%M")  # one new job a minute at most
    for kind, ref_id in refs:
        await enqueue_queued(queues, kind, ref_id, again)
    return len(refs)
