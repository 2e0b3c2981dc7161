"""The outcome journal of a worker's sends: results recorded as they happen, with back-pressure.

A push or an e-mail accepted by the far side and not yet recorded would be sent again if the
worker died now (its row is still `sending`, its lease lapses, another worker takes it over).
`Outcomes` keeps that window small: `room()`, awaited before each new send, holds the sender
while `size` accepted results are unrecorded. "Recorded" means, with a `SentJournal`, added to
the worker's set of sent delivery ids in Valkey (one pipelined round trip per ~`size`
results, a fraction of a millisecond), the rows themselves being written in grouped UPDATEs
every `every` seconds or `batch` results; `leases.take_over` reads a lost worker's journal and
marks those rows sent instead of sending them again. Without a journal (no Valkey, or it
fails), the UPDATEs themselves are the record, every `size` results.

So at any instant, beyond the requests in flight (bounded by the send concurrency), at most
about `size` accepted sends are unrecorded, whatever the throughput.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from typing import Any, Callable, Iterable, Sequence

from backend.delivery.receipts import device_heard
from backend.delivery.schemas import ChannelCounts, MyDelivery
from backend.delivery.states import CHANNELS, DeliveryState
from backend.delivery.tables import Delivery
from backend.lib import clock
from backend.lib.errors import DomainError, NotFound
from backend.lib.sql import chunks, placeholders, raw_alone

log = logging.getLogger(__name__)

JOURNAL_TTL = 3600


class SentJournal:
    """Delivery ids accepted by the far side for one worker, in Valkey until their rows say so."""

    def __init__(self, client: Any, worker_id: str) -> None:
        self.client = client
        self.key = self.key_of(worker_id)

    @staticmethod
    def key_of(worker_id: str) -> str:
        return f"vigie:sent:{worker_id}"

    async def add(self, ids: list[int]) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.sadd(self.key, *ids)
            pipe.expire(self.key, JOURNAL_TTL)
            await pipe.execute()

    async def forget(self, ids: list[int]) -> None:
        await self.client.srem(self.key, *ids)

    @classmethod
    async def read(cls, client: Any, worker_id: str) -> set[int]:
        return {int(x) for x in await client.smembers(cls.key_of(worker_id))}


class Outcomes:
    """Buffers (state, reason) → delivery ids and writes them in grouped UPDATEs, every `every`
    seconds (while used as `async with`, or kept by a worker) and when enough are waiting:
    `batch` with a journal, `size` without. `on_write(batch)` is called after each write."""

    def __init__(self, every: float = 0.2, size: int = 10,
                 on_write: Callable[[dict[tuple[str, str], list[int]]], Any] | None = None,
                 journal: SentJournal | None = None, batch: int = 500) -> None:
        self.pending: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.count = 0
        self.writing = 0
        self.every = every
        self.size = max(1, size)
        self.on_write = on_write
        self.journal = journal
        self.db_size = max(self.size, batch) if journal is not None else self.size
        self.unjournaled: list[int] = []
        self.journaling = 0
        self._last = time.monotonic()
        self._lock = asyncio.Lock()
        self._journal_lock = asyncio.Lock()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._ticker: asyncio.Task | None = None
        self._in_write: dict[tuple[str, str], list[int]] = {}

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
                try:
                    await self.flush()
                except Exception as exc:  # kept by `flush`: the next tick writes them
                    log.warning("outcomes not written, kept for the next try: %r", exc)

    def known(self) -> set[int]:
        """The delivery ids whose outcome is known here and not yet in their rows: waiting, or in
        a write under way (a failed write puts them back). The sent journal's are among them."""
        return {i for group in (self.pending, self._in_write) for ids in group.values() for i in ids}

    @property
    def unrecorded(self) -> int:
        """Accepted sends known here and not yet recorded (waiting, or being recorded)."""
        if self.journal is not None:
            return len(self.unjournaled) + self.journaling
        return self.count + self.writing

    async def room(self) -> None:
        """Wait until fewer than `size` results are unrecorded: call before each send. Waiters
        are woken first come, first served, only as many as there is room for (waking all of
        them after each write cost more CPU than the writes)."""
        while self.unrecorded >= self.size:
            lock = self._journal_lock if self.journal is not None else self._lock
            if lock.locked():
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                try:
                    await waiter
                finally:
                    if not waiter.done():
                        waiter.cancel()
            elif self.journal is not None:
                await self.flush_journal()
            else:
                await self.flush()

    def _wake(self) -> None:
        free = self.size - self.unrecorded
        while self._waiters and free > 0:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1
        if self._waiters and not (self._journal_lock.locked() or self._lock.locked()):
            waiter = self._waiters.popleft()  # nobody writing: one of them starts the next write
            if not waiter.done():
                waiter.set_result(None)

    async def add(self, delivery_id: int, state: str, reason: str = "") -> None:
        self.pending[(state, reason)].append(delivery_id)
        self.count += 1
        if self.journal is not None and state == DeliveryState.SENT:
            self.unjournaled.append(delivery_id)
            if len(self.unjournaled) >= self.size and not self._journal_lock.locked():
                await self.flush_journal()
        due = self.count >= self.db_size or time.monotonic() - self._last >= self.every
        if due and not self._lock.locked():  # a write under way: the next one takes these
            await self.flush()

    async def flush_journal(self) -> None:
        """Record the sent ids in the journal; if Valkey fails, write the rows instead."""
        async with self._journal_lock:
            while self.unjournaled:
                ids, self.unjournaled = self.unjournaled, []
                self.journaling = len(ids)
                try:
                    await self.journal.add(ids)  # type: ignore[union-attr]
                except Exception as exc:  # Valkey trouble: the database is the record
                    log.warning("sent journal unavailable, writing outcomes now: %r", exc)
                    await self.flush()
                finally:
                    self.journaling = 0
                    self._wake()
                if len(self.unjournaled) < self.size:
                    return

    async def flush(self) -> None:
        """Write what is waiting; while enough came again during a write, write again. If the
        write fails, what it held waits again (the next flush or tick writes it) and the error
        is raised: an outcome once known is never forgotten while the worker lives."""
        async with self._lock:
            while True:
                batch, self.pending = self.pending, defaultdict(list)
                self.writing, self.count = self.count, 0
                self._in_write = batch
                self._last = time.monotonic()
                try:
                    if batch:
                        await record(batch)
                        if self.on_write is not None:
                            self.on_write(batch)
                except BaseException:
                    self._keep(batch)
                    raise
                finally:
                    self.writing = 0
                    self._in_write = {}
                    self._wake()
                if batch and self.journal is not None:
                    await self._forget(batch.get((DeliveryState.SENT, ""), []))
                if self.count < self.db_size:
                    return

    def _keep(self, batch: dict[tuple[str, str], list[int]]) -> None:
        """Put an unwritten `batch` back with what came meanwhile (a row has one outcome in
        both: a row whose outcome is not written cannot be claimed again)."""
        merged: dict[tuple[str, str], list[int]] = defaultdict(list)
        for group in (batch, self.pending):
            for key, ids in group.items():
                merged[key].extend(ids)
        self.pending = merged
        self.count += sum(len(ids) for ids in batch.values())

    async def _forget(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        try:
            await self.journal.forget(ids)  # type: ignore[union-attr]
        except Exception as exc:  # they expire anyway
            log.debug("sent journal not trimmed: %r", exc)


# Rows: grouped outcome UPDATEs -----------------------------------------------------------

async def record(outcomes: dict[tuple[str, str], list[int]]) -> None:
    """Write outcomes grouped by (state, reason): one UPDATE per group. The claim's lease ends;
    a failure or a retry keeps its reason as the row's `last_error`."""
    now = clock.now()
    for (state, reason), ids in outcomes.items():
        if not ids:
            continue
        sent_at = now if state == DeliveryState.SENT else None
        error = reason[:200] if state in (DeliveryState.FAILED, DeliveryState.QUEUED) else None
        for part in chunks(ids, 500):
            await raw_alone(
                Delivery, "UPDATE deliveries SET state = {}, reason = {}, updated_at = {}, sent_at = COALESCE({}, sent_at), "
                f"lease_until = NULL, last_error = COALESCE({{}}, last_error) WHERE id IN ({placeholders(len(part))})",
                state, reason[:200], now, sent_at, error, *part)


# What happened: counts per notice, a member's own deliveries, device receipts ------------

async def counts(kind: str, ref_ids: Sequence[int]) -> dict[int, dict[str, ChannelCounts]]:
    """Per ref, per channel: how many queued/sending/sent/failed/skipped, and received/opened."""
    if not ref_ids:
        return {}
    rows = await Delivery.raw(
        "SELECT ref_id, channel, state, COUNT(*) AS n, COUNT(received_at) AS received, COUNT(opened_at) AS opened, "
        "COUNT(CASE WHEN fallback THEN 1 END) AS fallback "
        f"FROM deliveries WHERE kind = {{}} AND ref_id IN ({placeholders(len(ref_ids))}) "
        "GROUP BY ref_id, channel, state", kind, *ref_ids)
    out: dict[int, dict[str, ChannelCounts]] = {r: {c: ChannelCounts() for c in CHANNELS} for r in ref_ids}
    for r in rows:
        c = out[r["ref_id"]][r["channel"]]
        setattr(c, r["state"], getattr(c, r["state"]) + int(r["n"]))
        c.received += int(r["received"])
        c.opened += int(r["opened"])
        if r["state"] != DeliveryState.SKIPPED:  # those the budget refused are among the skipped, with the reason
            c.fallback += int(r["fallback"])
    return out


async def mine(kind: str, ref_id: int, user_id: int) -> list[MyDelivery]:
    """What became of the notice (kind, ref) sent to `user_id`, per channel."""
    rows = await Delivery.select(Delivery.id, Delivery.channel, Delivery.state, Delivery.reason, Delivery.attempts,
                                 Delivery.last_error, Delivery.fallback).where(
        (Delivery.kind == kind) & (Delivery.ref_id == ref_id) & (Delivery.user == user_id)).order_by(Delivery.id)
    return [MyDelivery(id=r["id"], channel=r["channel"], state=r["state"], reason=r["reason"], attempts=r["attempts"],
                       last_error=r["last_error"], fallback=bool(r["fallback"])) for r in rows]


async def receipt(user_id: int, delivery_id: int, event: str, device: int | None = None) -> None:
    """The service worker saw the push (`received`) or the person clicked it (`opened`); `device`,
    the member's push subscription that got it, is heard again (receipts.device_heard)."""
    if event not in ("received", "opened"):
        raise DomainError("Événement inconnu (received ou opened).", "invalid_receipt")
    row = await Delivery.select(Delivery.id, Delivery.state).where(
        (Delivery.id == delivery_id) & (Delivery.user == user_id)).first()
    if row is None:
        raise NotFound("Notification inconnue.", "delivery_not_found")
    if device is not None:
        await device_heard(user_id, device)
    now = clock.now()
    column = Delivery.received_at if event == "received" else Delivery.opened_at
    values: dict[Any, Any] = {column: now}
    if event == "opened":
        await Delivery.update({Delivery.received_at: now}).where(
            (Delivery.id == delivery_id) & Delivery.received_at.is_null())
    if row["state"] in (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.FAILED):
        # The device got it, whatever the push service answered us.
        values.update({Delivery.state: DeliveryState.SENT, Delivery.sent_at: now})
    await Delivery.update(values).where((Delivery.id == delivery_id) & column.is_null())
