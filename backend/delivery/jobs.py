"""Delivery jobs (SAQ): fan-out, one send job per ~100 recipients per channel, maintenance.

Jobs take ids, reload, and are idempotent: a send job first *claims* its rows (queued →
sending in one UPDATE, with its worker's identity and a short lease the worker renews, see
leases.py), so a replayed or duplicated job sends nothing twice; outcomes are written as they
come (outcomes.py: a new send waits while ~10 results are unrecorded), so a worker killed
mid-batch leaves at most the sends in flight plus ~10 to be sent again, seconds later, once
its leases lapse.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections import defaultdict
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Sequence

import aiohttp

from backend.delivery import leases, service, upkeep
from backend.delivery import email as email_adapter
from backend.delivery.email import (MailTemplate, OutgoingMail, delivery_message_id, render_template_bytes,
                                    send_rendered)
from backend.delivery.kinds import KINDS, TASKS, Notice
from backend.delivery.outcomes import Outcomes, SentJournal
from backend.delivery.push import PushResult, PushSender, PushTarget
from backend.delivery.sms import SmsOut, acquire_sms_quota, fit_sms, make_sms_sender
from backend.delivery.tables import PushSubscription
from backend.auth.tables import User
from backend.lib import metrics
from backend.lib.sql import placeholders, select_in
from backend.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = (5, 30, 120, 600)  # seconds before attempts 2, 3, 4, 5


async def send_transactional_email(ctx: dict[str, Any], *, to: str, subject: str, text: str, html: str = "") -> int:
    """One account mail (password reset…); retried by SAQ on SMTP errors."""
    await email_adapter.send_email(ctx["settings"], [OutgoingMail(to=to, subject=subject, text=text, html=html)])
    return 1


# Fan-out --------------------------------------------------------------------------------------

async def fanout(ctx: dict[str, Any], *, kind: str, ref_id: int) -> int:
    """Resolve the audience of (kind, ref), write delivery rows, enqueue the send jobs."""
    if kind in TASKS:
        await TASKS[kind](ctx, ref_id)
        await service.complete_outbox(kind, ref_id)
        return 0
    handler = KINDS.get(kind)
    if handler is None:
        # A kind nobody registered is a wiring bug (a domain missing from backend/domains.py):
        # the row is kept, so its notices go out once the domain is wired and the outbox re-dispatched.
        log.error("fan-out of %s %s: no handler registered for kind %r, outbox row kept", kind, ref_id, kind)
        return 0
    audience = await handler.audience(ref_id)
    jobs = 0
    if audience is not None:
        recipients, plan = audience
        jobs = await service.fan_out(ctx["queues"], kind, ref_id, recipients, plan)
    await service.complete_outbox(kind, ref_id)
    return jobs


async def _notices(ctx: dict[str, Any], rows: list[dict[str, Any]]) -> dict[tuple[str, int], Notice | None]:
    out: dict[tuple[str, int], Notice | None] = {}
    for key in {(r["kind"], r["ref_id"]) for r in rows}:
        handler = KINDS.get(key[0])
        out[key] = await handler.notice(ctx["settings"], key[1]) if handler else None
    return out


async def _retry_or_fail(ctx: dict[str, Any], channel: str, rows: list[dict[str, Any]], reason: str,
                         outcomes: Outcomes) -> None:
    """Transient failure: back to queued with a delayed job, or failed after MAX_ATTEMPTS."""
    again = [r for r in rows if r["attempts"] < MAX_ATTEMPTS]
    for r in rows:
        if r["attempts"] >= MAX_ATTEMPTS:
            await outcomes.add(r["id"], "failed", f"échec après {MAX_ATTEMPTS} essais : {reason}")
    if not again:
        return
    metrics.RETRIES.labels(channel).inc(len(again))
    for r in again:
        await outcomes.add(r["id"], "queued", f"nouvel essai : {reason}")
    await outcomes.flush()
    by_attempt: dict[int, list[int]] = defaultdict(list)
    for r in again:
        by_attempt[r["attempts"]].append(r["id"])
    for attempts, ids in by_attempt.items():
        delay = BACKOFF[min(attempts, len(BACKOFF)) - 1] * ctx["settings"].retry_backoff_scale
        await ctx["queues"].enqueue(channel, f"send_{channel}", job_key=f"retry:{channel}:{ids[0]}:{attempts}",
                                    delivery_ids=ids, scheduled=int(time.time() + delay), timeout=120, retries=3)


# Push first -----------------------------------------------------------------------------------

class PushFirst:
    """E-mail jobs of a worker process start once its push jobs are done, or after `limit` s.

    Both compete for the same CPU (encrypting a push and writing an e-mail cost about the
    same), and a push is what wakes a neighbour up: with 10,000 recipients, sending both at
    once delayed the last push by the whole e-mail batch (bench/fanout.py).
    """

    def __init__(self, limit: float = 10.0) -> None:
        self.limit = limit
        self.running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @asynccontextmanager
    async def pushing(self) -> AsyncIterator[None]:
        self.running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.running -= 1
            if not self.running:
                self._idle.set()

    async def wait(self) -> None:
        if self.running:
            try:
                await asyncio.wait_for(self._idle.wait(), self.limit)
            except TimeoutError:
                pass


_push_first: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PushFirst] = weakref.WeakKeyDictionary()


def push_first() -> PushFirst:
    """The gate of this process (and event loop)."""
    loop = asyncio.get_running_loop()
    gate = _push_first.get(loop)
    if gate is None:
        gate = _push_first[loop] = PushFirst()
    return gate


# Push -----------------------------------------------------------------------------------------

def push_payload(notice: Notice, delivery_id: int) -> bytes:
    body = notice.body if len(notice.body) <= 600 else notice.body[:597] + "…"
    return json.dumps({
        "event": notice.event, "alert_id": notice.ref_id, "delivery_id": delivery_id, "title": notice.title,
        "body": body, "url": notice.url, "tag": notice.tag, "urgent": notice.urgent, "community": notice.community,
    }, ensure_ascii=False, separators=(",", ":")).encode()


def _worker_context(ctx: dict[str, Any]) -> dict[str, Any]:
    """Where a job keeps what outlives it: SAQ hands each job a *copy* of its worker's context,
    so a session stored on `ctx` would be opened (and leaked) once per job; stored on the
    worker's own context it serves every job of that worker, and `WorkerSet.stop` closes it."""
    worker = ctx.get("worker")
    return worker.context if worker is not None else ctx


async def _kept(ctx: dict[str, Any], name: str, make: Callable[[], Any]) -> Any:
    """The worker's `name`: an async context manager made and entered on first use, kept on
    the worker's context for every later job, exited by `WorkerSet.stop` (its "closers")."""
    shared = _worker_context(ctx)
    kept = shared.get(name)
    if kept is None:
        kept = shared[name] = await make().__aenter__()
        shared.setdefault("closers", []).append(lambda: kept.__aexit__(None, None, None))
    return kept


async def _push_sender(ctx: dict[str, Any]) -> PushSender:
    return await _kept(ctx, "push_sender", lambda: PushSender(ctx["settings"]))


def _claim(ctx: dict[str, Any], delivery_ids: Sequence[int]) -> Any:
    settings: Settings = ctx["settings"]
    return leases.claim(delivery_ids, ctx.get("worker_id") or _PROCESS_WORKER_ID, settings.delivery_lease_seconds)


_PROCESS_WORKER_ID = leases.PROCESS_WORKER_ID


@asynccontextmanager
async def _outcomes(ctx: dict[str, Any], channel: str) -> AsyncIterator[Outcomes]:
    """The outcome journal of the worker's `channel` jobs, flushed when the job ends.

    One for all the concurrent jobs of a worker, not one each: each write takes what they all
    got, in one UPDATE per (state, reason). With a buffer per job, 20 jobs in flight wrote ~100
    small UPDATEs a second per worker, which queued behind each other on the process's one
    SQLite connection (and on the write lock shared with other workers). Its `room()` holds
    new sends while `delivery_unrecorded_limit` accepted sends are not yet in the worker's sent
    journal (Valkey), so a killed worker leaves at most that many (plus the requests in
    flight) to be sent again; the rows are written every 0.2 s.
    """
    settings: Settings = ctx["settings"]
    client = ctx.get("valkey")
    journal = SentJournal(client, ctx.get("worker_id") or _PROCESS_WORKER_ID) if client is not None else None

    def make() -> Outcomes:
        return Outcomes(every=0.2, size=settings.delivery_unrecorded_limit, journal=journal,
                        on_write=metrics.outcomes_written(channel))

    shared = _worker_context(ctx)
    if shared is ctx:  # not run by a SAQ worker: a journal of its own
        async with make() as outcomes:
            yield outcomes
        return
    outcomes = await _kept(ctx, f"{channel}_outcomes", make)  # ticks for its life
    try:
        yield outcomes
    finally:
        await outcomes.flush()


async def send_push(ctx: dict[str, Any], *, delivery_ids: list[int]) -> int:
    """Send one Web Push per device of each claimed delivery; record sent/failed/retry per delivery."""
    async with push_first().pushing():
        return await _send_push(ctx, delivery_ids)


async def _send_push(ctx: dict[str, Any], delivery_ids: list[int]) -> int:
    rows = await _claim(ctx, delivery_ids)
    if not rows:
        return 0
    async with _outcomes(ctx, "push") as outcomes:  # flushes as results come, even mid-batch
        notices = await _notices(ctx, rows)
        subs = await select_in(PushSubscription, 'SELECT id, "user", endpoint, p256dh, auth FROM push_subscriptions WHERE "user"',
                               sorted({r["user_id"] for r in rows}))
        subs_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for s in subs:
            subs_of[s["user"]].append(s)
        entries: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (delivery row, subscription)
        payloads: list[bytes] = []
        for r in rows:
            notice = notices[(r["kind"], r["ref_id"])]
            if notice is None:
                await outcomes.add(r["id"], "skipped", "contenu retiré")
            elif not subs_of[r["user_id"]]:
                await outcomes.add(r["id"], "skipped", "aucun appareil abonné")
            else:
                for s in subs_of[r["user_id"]]:
                    entries.append((r, s))
                    payloads.append(push_payload(notice, r["id"]))
        remaining: dict[int, int] = defaultdict(int)
        for r, _ in entries:
            remaining[r["id"]] += 1
        per_delivery: dict[int, list[PushResult]] = defaultdict(list)
        gone: list[int] = []
        retry_rows: dict[int, tuple[dict[str, Any], str]] = {}

        async def on_result(result: PushResult) -> None:
            row, sub = entries[result.ref]
            per_delivery[row["id"]].append(result)
            if result.outcome == "gone":
                gone.append(sub["id"])
            remaining[row["id"]] -= 1
            if remaining[row["id"]]:
                return
            results = per_delivery[row["id"]]
            if any(x.outcome == "sent" for x in results):
                metrics.observe_sent("push", row["created_at"])
                await outcomes.add(row["id"], "sent")
            elif any(x.outcome == "retry" for x in results):
                retry_rows[row["id"]] = (row, next(x.reason for x in results if x.outcome == "retry"))
            elif all(x.outcome == "gone" for x in results):
                await outcomes.add(row["id"], "failed", "abonnement expiré")
            else:
                await outcomes.add(row["id"], "failed", next(x.reason for x in results if x.outcome == "failed"))

        if entries:
            sender = await _push_sender(ctx)
            by_kind: dict[tuple[int, str, str | None], list[int]] = defaultdict(list)
            for i, (r, _) in enumerate(entries):
                n = notices[(r["kind"], r["ref_id"])]
                by_kind[(n.ttl, n.urgency, f"{n.event[:5]}{n.ref_id}")].append(i)
            for (ttl, urgency, topic), indexes in by_kind.items():
                targets = [PushTarget(ref=i, endpoint=entries[i][1]["endpoint"], p256dh=entries[i][1]["p256dh"],
                                      auth=entries[i][1]["auth"]) for i in indexes]
                await sender.send_many(targets, lambda t: payloads[t.ref], ttl=ttl, urgency=urgency,
                                       topic=topic.replace("_", "")[:32], on_result=on_result,
                                       before_send=outcomes.room, concurrency=ctx["settings"].push_concurrency)
        await outcomes.flush()
        if gone:
            await PushSubscription.raw(f"DELETE FROM push_subscriptions WHERE id IN ({placeholders(len(gone))})", *gone)
        if retry_rows:
            by_reason: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row, reason in retry_rows.values():
                by_reason[reason].append(row)
            for reason, group in by_reason.items():
                await _retry_or_fail(ctx, "push", group, reason, outcomes)
            await outcomes.flush()
    return len(rows)


async def _record_results(ctx: dict[str, Any], channel: str, results: Sequence[Any],
                          by_ref: dict[str, dict[str, Any]], outcomes: Outcomes) -> None:
    """E-mail and SMS results (ref = delivery id): sent, failed, or retried later by reason."""
    retry: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for res in results:
        row = by_ref[res.ref]
        if res.outcome == "sent":
            metrics.observe_sent(channel, row["created_at"])
            await outcomes.add(row["id"], "sent")
        elif res.outcome == "retry":
            retry[res.reason].append(row)
        else:
            await outcomes.add(row["id"], "failed", res.reason)
    await outcomes.flush()
    for reason, group in retry.items():
        await _retry_or_fail(ctx, channel, group, reason, outcomes)
    await outcomes.flush()


# E-mail ---------------------------------------------------------------------------------------

async def send_email(ctx: dict[str, Any], *, delivery_ids: list[int]) -> int:
    """Render each notice once, personalise by substitution, send over a few reused connections;
    each result is journaled as it comes (not at the end of the job of 100)."""
    settings: Settings = ctx["settings"]
    await push_first().wait()
    rows = await _claim(ctx, delivery_ids)
    if not rows:
        return 0
    async with _outcomes(ctx, "email") as outcomes:
        notices = await _notices(ctx, rows)
        users = {u["id"]: u for u in await select_in(User, "SELECT id, email, first_name FROM users WHERE id",
                                                      sorted({r["user_id"] for r in rows}))}
        tokens = await service.email_tokens(sorted(users))
        items: list[tuple[str, str, bytes]] = []
        by_ref: dict[str, dict[str, Any]] = {}
        templates: dict[tuple[str, int], MailTemplate] = {}
        for r in rows:
            notice = notices[(r["kind"], r["ref_id"])]
            user = users.get(r["user_id"])
            if notice is None or user is None:
                await outcomes.add(r["id"], "skipped", "contenu retiré")
                continue
            key = (r["kind"], r["ref_id"])
            if key not in templates:
                templates[key] = MailTemplate(subject=notice.email_subject or notice.title,
                                              text=notice.email_text, html=notice.email_html)
            values = {"first_name": user["first_name"], "link": settings.base_url + "/" + notice.url.lstrip("/"),
                      "unsubscribe_url": f"{settings.base_url}/api/v1/email/unsubscribe?token={tokens[user['id']]}"}
            items.append((str(r["id"]), user["email"], render_template_bytes(
                settings, templates[key], user["email"], values, message_id=delivery_message_id(settings, r["id"]))))
            by_ref[str(r["id"])] = r
        retry: dict[str, list[dict[str, Any]]] = defaultdict(list)

        async def on_result(res: Any) -> None:
            row = by_ref[res.ref]
            if res.outcome == "sent":
                metrics.observe_sent("email", row["created_at"])
                await outcomes.add(row["id"], "sent")
            elif res.outcome == "retry":
                retry[res.reason].append(row)
            else:
                await outcomes.add(row["id"], "failed", res.reason)

        if items:
            await send_rendered(settings, items, connections=settings.email_connections, on_result=on_result,
                                before_send=outcomes.room)
        await outcomes.flush()
        for reason, group in retry.items():
            await _retry_or_fail(ctx, "email", group, reason, outcomes)
        await outcomes.flush()
    return len(rows)


# SMS ------------------------------------------------------------------------------------------

async def _http_session(ctx: dict[str, Any]) -> aiohttp.ClientSession:
    shared = _worker_context(ctx)
    session = shared.get("http_session")
    if session is None or session.closed:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        shared["http_session"] = session
        shared.setdefault("closers", []).append(session.close)
    return session


async def send_sms(ctx: dict[str, Any], *, delivery_ids: list[int]) -> int:
    """Text the claimed recipients, within the provider's rate limit."""
    settings: Settings = ctx["settings"]
    rows = await _claim(ctx, delivery_ids)
    if not rows:
        return 0
    # SMS carry the provider's idempotency key (sms.py): a resend is not a second text
    outcomes = Outcomes(size=10_000, every=3600, on_write=metrics.outcomes_written("sms"))
    notices = await _notices(ctx, rows)
    users = {u["id"]: u for u in await select_in(User, "SELECT id, phone FROM users WHERE id",
                                                  sorted({r["user_id"] for r in rows}))}
    messages: list[SmsOut] = []
    by_ref: dict[str, dict[str, Any]] = {}
    for r in rows:
        notice = notices[(r["kind"], r["ref_id"])]
        user = users.get(r["user_id"])
        if notice is None or user is None or not user["phone"]:
            await outcomes.add(r["id"], "skipped", "contenu retiré" if notice is None else "pas de numéro")
            continue
        link = settings.base_url + "/" + notice.url.lstrip("/")
        text = f"{fit_sms(notice.sms_text or notice.title, link)} {link}".strip()
        messages.append(SmsOut(ref=str(r["id"]), to=user["phone"], text=text))
        by_ref[str(r["id"])] = r
    if messages:
        while (wait := await acquire_sms_quota(ctx["valkey"], settings.sms_provider, len(messages),
                                               settings.sms_rate_per_second)) > 0:
            await asyncio.sleep(wait)
        sender = make_sms_sender(settings, await _http_session(ctx))
        results = await sender.send_many(messages)
        await _record_results(ctx, "sms", results, by_ref, outcomes)
    await outcomes.flush()
    return len(rows)


FUNCTIONS = {
    "email": [send_transactional_email, send_email],
    "fanout": [fanout],
    "push": [send_push],
    "sms": [send_sms],
}
PERIODIC: list[tuple[float | str, Callable[[dict[str, Any]], Any]]] = [
    (5.0, upkeep.maintenance), ("worker_heartbeat_seconds", upkeep.keep_leases)]  # a str: the setting of that name


async def send_test_push(ctx: dict[str, Any], *, subscription_id: int) -> str:
    """"Send me a test notification" for one device (no delivery row: nothing to account for)."""
    sub = await PushSubscription.select().where(PushSubscription.id == subscription_id).first()
    if sub is None:
        return "gone"
    payload = json.dumps({"event": "test", "title": "Vigie : notification de test",
                          "body": "Les notifications fonctionnent sur cet appareil.", "url": "/#/reglages",
                          "tag": "vigie-test"}, ensure_ascii=False).encode()
    sender = await _push_sender(ctx)
    result = await sender.send_one(PushTarget(ref=sub["id"], endpoint=sub["endpoint"], p256dh=sub["p256dh"],
                                              auth=sub["auth"]), payload, ttl=600, urgency="normal")
    if result.outcome == "gone":
        await PushSubscription.delete().where(PushSubscription.id == subscription_id)
    return result.outcome


async def send_sms_reply(ctx: dict[str, Any], *, ref: str, to: str, text: str) -> str:
    """A receipt or help text in answer to an inbound SMS (no delivery row)."""
    sender = make_sms_sender(ctx["settings"], await _http_session(ctx))
    [result] = await sender.send_many([SmsOut(ref=ref, to=to, text=text)])
    if result.outcome == "retry":
        raise RuntimeError(f"SMS reply not sent yet: {result.reason}")  # SAQ retries the job
    return result.outcome


FUNCTIONS["push"].append(send_test_push)
FUNCTIONS["sms"].append(send_sms_reply)
