"""The send of a claimed batch, channel by channel: rows and notices in, channel adapter, outcomes out.

Each takes the delivery ids of one send job (~100), claims them, loads what it needs in a
constant number of queries, hands the channel adapter (`channels/`) plain values, and
journals each result as it comes (batches.py).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from functools import lru_cache
from typing import Any

from backend.auth.tables import User
from backend.delivery import preferences
from backend.delivery.batches import (Claimed, ResultSorter, claim, http_session, journal, kept, load_notices,
                                      notice_key, push_first, retry_or_fail, worker_context)
from backend.delivery.channels.email import (MailTemplate, SmtpPool, delivery_message_id, render_template_bytes,
                                             send_rendered)
from backend.delivery.channels.push import PushResult, PushSender, PushTarget
from backend.delivery.channels.sms import SmsOut, acquire_sms_quota, fit_sms, make_sms_sender
from backend.delivery.kinds import Notice
from backend.delivery.outcomes import Outcomes
from backend.delivery.states import DeliveryState
from backend.delivery.tables import Delivery, PushSubscription
from backend.lib import metrics
from backend.lib.sql import placeholders, select_in
from backend.settings import Settings


# Push -----------------------------------------------------------------------------------------

def push_payload(notice: Notice, delivery_id: int, device: int | None = None) -> bytes:
    """The JSON a device gets: the notice's part (`payload_head`, the same for every recipient)
    and this delivery's id and device (named in the receipt: which device heard it, receipts.py)."""
    return payload_head(notice) + b'"delivery_id":%d,"device":%s}' % (
        delivery_id, b"null" if device is None else b"%d" % device)


@lru_cache(maxsize=64)
def payload_head(notice: Notice) -> bytes:
    """`push_payload` up to its per-delivery fields, encoded once per notice (not per recipient)."""
    body = notice.body if len(notice.body) <= 600 else notice.body[:597] + "…"
    head = json.dumps({
        "event": notice.event, "alert_id": notice.ref_id, "title": notice.title, "body": body, "url": notice.url,
        "tag": notice.tag, "urgent": notice.urgent, "community": notice.community,
    }, ensure_ascii=False, separators=(",", ":")).encode()
    return head[:-1] + b","


async def push_sender(ctx: dict[str, Any]) -> PushSender:
    """The worker's push sender (one aiohttp session, one VAPID token cache), made on first use."""
    return await kept(ctx, "push_sender", lambda: PushSender(ctx["settings"]))


async def send_push_batch(ctx: dict[str, Any], delivery_ids: list[int]) -> int:
    """Send one Web Push per device of each claimed delivery; record sent/failed/retry per delivery."""
    rows = await claim(ctx, delivery_ids)
    if not rows:
        return 0
    async with journal(ctx, "push") as outcomes:  # flushes as results come, even mid-batch
        subs = await select_in(PushSubscription, 'SELECT s.id, s."user", s.endpoint, s.p256dh, s.auth, u.locale '
                               'FROM push_subscriptions s JOIN users u ON u.id = s."user" WHERE s."user"',
                               sorted({r.user_id for r in rows}))
        subs_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for s in subs:
            subs_of[s["user"]].append(s)
        locale_of = {s["user"]: s["locale"] for s in subs}
        notices = await load_notices(ctx, rows, locale_of)
        entries: list[tuple[Claimed, dict[str, Any]]] = []  # (delivery row, subscription)
        payloads: list[bytes] = []
        for r in rows:
            notice = notices[notice_key(r, locale_of)]
            if notice is None:
                await outcomes.add(r.id, DeliveryState.SKIPPED, "contenu retiré")
            elif not subs_of[r.user_id]:
                await outcomes.add(r.id, DeliveryState.SKIPPED, "aucun appareil abonné")
            else:
                for s in subs_of[r.user_id]:
                    entries.append((r, s))
                    payloads.append(push_payload(notice, r.id, s["id"]))
        remaining: dict[int, int] = defaultdict(int)
        for r, _ in entries:
            remaining[r.id] += 1
        per_delivery: dict[int, list[PushResult]] = defaultdict(list)
        gone: list[int] = []
        retry_rows: dict[int, tuple[Claimed, str]] = {}

        async def on_result(result: PushResult) -> None:
            row, sub = entries[result.ref]
            per_delivery[row.id].append(result)
            if result.outcome == "gone":
                gone.append(sub["id"])
            remaining[row.id] -= 1
            if remaining[row.id]:
                return
            results = per_delivery[row.id]
            if any(x.outcome == "sent" for x in results):
                metrics.observe_sent("push", row.created_at)
                await outcomes.add(row.id, DeliveryState.SENT)
            elif any(x.outcome == "retry" for x in results):
                retry_rows[row.id] = (row, next(x.reason for x in results if x.outcome == "retry"))
            elif all(x.outcome == "gone" for x in results):
                await outcomes.add(row.id, DeliveryState.FAILED, "abonnement expiré")
            else:
                await outcomes.add(row.id, DeliveryState.FAILED, next(x.reason for x in results if x.outcome == "failed"))

        if entries:
            sender = await push_sender(ctx)
            by_kind: dict[tuple[int, str, str | None], list[int]] = defaultdict(list)
            for i, (r, _) in enumerate(entries):
                n = notices[notice_key(r, locale_of)]
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
            by_reason: dict[str, list[Claimed]] = defaultdict(list)
            for row, reason in retry_rows.values():
                by_reason[reason].append(row)
            for reason, group in by_reason.items():
                await retry_or_fail(ctx, "push", group, reason, outcomes)
            await outcomes.flush()
    return len(rows)


# E-mail ---------------------------------------------------------------------------------------

async def smtp_pool(ctx: dict[str, Any]) -> SmtpPool | None:
    """The worker's SMTP sessions, kept open from one e-mail job to the next; None outside a SAQ
    worker (nothing would close them): the send then opens and closes its own."""
    if worker_context(ctx) is ctx:
        return None
    return await kept(ctx, "smtp_pool", lambda: SmtpPool(ctx["settings"]))


async def send_email_batch(ctx: dict[str, Any], delivery_ids: list[int], hold_until: float | None = None) -> int:
    """Render each notice once, personalise by substitution, send over a few reused connections;
    each result is journaled as it comes (not at the end of the job of 100)."""
    settings: Settings = ctx["settings"]
    await push_first().wait(ctx, until=hold_until)
    rows = await claim(ctx, delivery_ids)
    if not rows:
        return 0
    async with journal(ctx, "email") as outcomes:
        users = {u["id"]: u for u in await select_in(User, "SELECT id, email, first_name, locale FROM users WHERE id",
                                                      sorted({r.user_id for r in rows}))}
        locale_of = {u["id"]: u["locale"] for u in users.values()}
        notices = await load_notices(ctx, rows, locale_of)
        tokens = await preferences.email_tokens(sorted(users))
        items: list[tuple[str, str, bytes]] = []
        by_ref: dict[str, Claimed] = {}
        templates: dict[tuple[str, int, str], MailTemplate] = {}  # one per notice and language
        for r in rows:
            key = notice_key(r, locale_of)
            notice = notices[key]
            user = users.get(r.user_id)
            if notice is None or user is None:
                await outcomes.add(r.id, DeliveryState.SKIPPED, "contenu retiré")
                continue
            if key not in templates:
                templates[key] = MailTemplate(subject=notice.email_subject or notice.title,
                                              text=notice.email_text, html=notice.email_html)
            values = {"first_name": user["first_name"], "link": settings.base_url + "/" + notice.url.lstrip("/"),
                      "unsubscribe_url": f"{settings.base_url}/api/v1/email/unsubscribe?token={tokens[user['id']]}"}
            items.append((str(r.id), user["email"], render_template_bytes(
                settings, templates[key], user["email"], values, message_id=delivery_message_id(settings, r.id))))
            by_ref[str(r.id)] = r
        sorter = ResultSorter(ctx, "email", by_ref, outcomes)
        if items:
            await send_rendered(settings, items, connections=settings.email_connections, on_result=sorter.add,
                                before_send=outcomes.room, pool=await smtp_pool(ctx))
        await sorter.finish()
    return len(rows)


# SMS ------------------------------------------------------------------------------------------

async def send_sms_batch(ctx: dict[str, Any], delivery_ids: list[int]) -> int:
    """Text the claimed recipients, within the provider's rate limit."""
    settings: Settings = ctx["settings"]
    rows = await claim(ctx, delivery_ids)
    if not rows:
        return 0
    # SMS carry the provider's idempotency key (sms.py): a resend is not a second text
    outcomes = Outcomes(size=10_000, every=3600, on_write=metrics.outcomes_written("sms"))
    users = {u["id"]: u for u in await select_in(User, "SELECT id, phone, locale FROM users WHERE id",
                                                  sorted({r.user_id for r in rows if r.user_id is not None}))}
    # Rows without a user: a person with no account, their number on the row (French, no link to the app).
    no_account = {d["id"]: {"phone": d["phone"], "link": False} for d in await select_in(
        Delivery, "SELECT id, phone FROM deliveries WHERE id", [r.id for r in rows if r.user_id is None])}
    locale_of = {u["id"]: u["locale"] for u in users.values()}
    notices = await load_notices(ctx, rows, locale_of)
    messages: list[SmsOut] = []
    by_ref: dict[str, Claimed] = {}
    for r in rows:
        notice = notices[notice_key(r, locale_of)]
        user = users.get(r.user_id) if r.user_id is not None else no_account.get(r.id)
        if notice is None or user is None or not user["phone"]:
            await outcomes.add(r.id, DeliveryState.SKIPPED, "contenu retiré" if notice is None else "pas de numéro")
            continue
        if user.get("link", True):
            link = settings.base_url + "/" + notice.url.lstrip("/")
            text = f"{fit_sms(notice.sms_text or notice.title, link)} {link}".strip()
        else:
            text = fit_sms(notice.sms_text or notice.title, "")
        messages.append(SmsOut(ref=str(r.id), to=user["phone"], text=text))
        by_ref[str(r.id)] = r
    if messages:
        while (wait := await acquire_sms_quota(ctx["valkey"], settings.sms_provider, len(messages),
                                               settings.sms_rate_per_second)) > 0:
            await asyncio.sleep(wait)
        sender = make_sms_sender(settings, await http_session(ctx))
        results = await sender.send_many(messages)
        sorter = ResultSorter(ctx, "sms", by_ref, outcomes)
        for result in results:
            await sorter.add(result)
        await sorter.finish()
    await outcomes.flush()
    return len(rows)


# Without a delivery row ---------------------------------------------------------------------

TEST_PUSH = {  # (title, body) by the member's locale
    "fr": ("Vigie : notification de test", "Les notifications fonctionnent sur cet appareil."),
    "en": ("Vigie: test notification", "Notifications work on this device."),
}


async def test_push(ctx: dict[str, Any], subscription_id: int) -> str:
    """"Send me a test notification" for one device (no delivery row: nothing to account for)."""
    sub = await PushSubscription.select(PushSubscription.all_columns(), PushSubscription.user.locale).where(
        PushSubscription.id == subscription_id).first()
    if sub is None:
        return "gone"
    title, body = TEST_PUSH.get(sub["user.locale"], TEST_PUSH["fr"])
    payload = json.dumps({"event": "test", "title": title, "body": body, "url": "/#/reglages",
                          "tag": "vigie-test"}, ensure_ascii=False).encode()
    sender = await push_sender(ctx)
    result = await sender.send_one(PushTarget(ref=sub["id"], endpoint=sub["endpoint"], p256dh=sub["p256dh"],
                                              auth=sub["auth"]), payload, ttl=600, urgency="normal")
    if result.outcome == "gone":
        await PushSubscription.delete().where(PushSubscription.id == subscription_id)
    return result.outcome


async def sms_reply(ctx: dict[str, Any], ref: str, to: str, text: str) -> str:
    """A receipt or help text in answer to an inbound SMS (no delivery row)."""
    sender = make_sms_sender(ctx["settings"], await http_session(ctx))
    [result] = await sender.send_many([SmsOut(ref=ref, to=to, text=text)])
    if result.outcome == "retry":
        raise RuntimeError(f"SMS reply not sent yet: {result.reason}")  # SAQ retries the job
    return result.outcome
