"""What a missing `received` receipt means: the « SMS de secours » of urgent pushes, and silent devices.

Every push row queued by a fan-out carries `watch` ("urgent" when its plan was urgent, else
"normal"). Once `sms_fallback_minutes` have passed since the row was written, a worker's
periodic `check_receipts` takes the row (a conditional UPDATE clearing `watch`, in a write
transaction: with two workers each row is looked at once) and then:

- **urgent, not received** → the member gets the notice by SMS, if they gave a French or
  Belgian mobile and kept « SMS de secours » on (the default), even without SMS among their
  channels: their `sms` row (skipped by preference, or missing when the plan had no SMS) becomes
  `queued` with `fallback` set, in the same transaction; the send job is enqueued after the
  commit (a lost job is re-enqueued by `fanout.requeue_stale`); the provider's idempotency key is
  the row id. A row already queued or sent (they chose SMS) is left alone. A kind whose SMS
  are paid from a budget declares `allow_fallback_sms(ref_id, count) -> int` on its handler
  (mairie broadcasts): those beyond it stay `skipped`, `fallback` set, reason BUDGET_SPENT.
- **any push accepted by the push service** → each device of the member that has received
  nothing since the row was written counts a miss; a receipt naming the device
  (`device_heard`) resets it. At MISSES_TO_FLAG misses in a row the device is flagged
  (`silent_since`) and the member is told by e-mail once (outbox task DEVICE_SILENT_KIND).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from functools import partial
from typing import Any, Sequence

from backend.auth.tables import User
from backend.db import on_commit, write_transaction
from backend.delivery import outbox
from backend.delivery.channels import email as email_adapter
from backend.delivery.channels.email import OutgoingMail
from backend.delivery.fanout import enqueue_queued
from backend.delivery.kinds import KINDS
from backend.delivery.states import DeliveryState
from backend.delivery.tables import Delivery, PushSubscription
from backend.lib import clock, i18n
from backend.lib.queues import Queues
from backend.lib.sql import bulk_insert, placeholders, raw
from backend.lib.templates import render
from backend.settings import Settings

MISSES_TO_FLAG = 3
DEVICE_SILENT_KIND = "device_silent"
CHECK_BATCH = 500
BUDGET_SPENT = "SMS de secours non envoyé : budget SMS de la commune épuisé"
FALLBACK_COLUMNS = ["kind", "ref_id", "user", "channel", "state", "reason", "created_at", "updated_at", "fallback"]


async def check_receipts(ctx: dict[str, Any]) -> int:
    """Periodic: every push row past the receipt delay, once; returns how many were looked at."""
    settings: Settings = ctx["settings"]
    done = 0
    while True:
        n = await _check_batch(ctx["queues"], settings)
        done += n
        if n == 0:
            return done


async def _check_batch(queues: Queues, settings: Settings) -> int:
    now = clock.now()
    cutoff = now - timedelta(minutes=settings.sms_fallback_minutes)
    async with write_transaction():
        # RETURNING gives the new values: one UPDATE per watch value, so each row's is known.
        rows: list[dict[str, Any]] = []
        unheard: dict[tuple[str, int], list[int]] = defaultdict(list)
        for watch in ("urgent", "normal"):
            taken = await raw(
                Delivery, "UPDATE deliveries SET watch = '' WHERE id IN (SELECT id FROM deliveries "
                "WHERE watch = {} AND created_at <= {} ORDER BY id LIMIT {}) AND watch = {} "
                'RETURNING id, kind, ref_id, "user" AS user_id, received_at', watch, cutoff, CHECK_BATCH, watch)
            rows += taken
            for r in taken:
                if watch == "urgent" and r["received_at"] is None:
                    unheard[(r["kind"], r["ref_id"])].append(r["user_id"])
        if not rows:
            return 0
        await _count_misses(queues, [r["id"] for r in rows], now)
        for (kind, ref_id), users in unheard.items():
            if await _fall_back(kind, ref_id, sorted(set(users)), now):
                on_commit(partial(enqueue_queued, queues, kind, ref_id, ":secours", "sms"))
    return len(rows)


async def _count_misses(queues: Queues, delivery_ids: Sequence[int], now: Any) -> None:
    """Devices that heard nothing since these pushes were written count a miss each; flag at MISSES_TO_FLAG."""
    misses = await raw(
        Delivery, 'SELECT s.id AS sub, COUNT(*) AS n FROM deliveries d JOIN push_subscriptions s ON s."user" = d."user" '
        f"WHERE d.id IN ({placeholders(len(delivery_ids))}) AND d.state = '{DeliveryState.SENT}' "
        "AND s.created_at <= d.created_at AND (s.last_received_at IS NULL OR s.last_received_at < d.created_at) "
        "GROUP BY s.id", *delivery_ids)
    by_count: dict[int, list[int]] = defaultdict(list)
    for m in misses:
        by_count[int(m["n"])].append(m["sub"])
    for n, subs in by_count.items():
        await raw(PushSubscription, f"UPDATE push_subscriptions SET missed = missed + {{}} "
                  f"WHERE id IN ({placeholders(len(subs))})", n, *subs)
    subs = [m["sub"] for m in misses]
    if not subs:
        return
    flagged = await raw(
        PushSubscription, f"UPDATE push_subscriptions SET silent_since = {{}} WHERE id IN ({placeholders(len(subs))}) "
        "AND missed >= {} AND silent_since IS NULL RETURNING id", now, *subs, MISSES_TO_FLAG)
    for f in flagged:
        await outbox.add_outbox(DEVICE_SILENT_KIND, f["id"])
        on_commit(partial(outbox.dispatch, queues, DEVICE_SILENT_KIND, f["id"]))


async def _fall_back(kind: str, ref_id: int, user_ids: list[int], now: Any) -> bool:
    """Queue the SMS of these members for (kind, ref) as « SMS de secours »; True if any was queued."""
    rows = await raw(
        Delivery, 'SELECT u.id AS user_id, u.phone_mobile AS mobile, u.is_suspended AS suspended, p.sms_fallback AS wanted, '
        "d.id AS sms_id, d.state AS sms_state FROM users u "
        'LEFT JOIN delivery_preferences p ON p."user" = u.id '
        "LEFT JOIN deliveries d ON d.\"user\" = u.id AND d.kind = {} AND d.ref_id = {} AND d.channel = 'sms' "
        f"WHERE u.id IN ({placeholders(len(user_ids))}) ORDER BY u.id", kind, ref_id, *user_ids)
    eligible = [r for r in rows if not r["suspended"] and (r["wanted"] is None or bool(r["wanted"]))
                and r["mobile"] and r["sms_state"] in (None, DeliveryState.SKIPPED)]
    if not eligible:
        return False
    gate = getattr(KINDS.get(kind), "allow_fallback_sms", None)
    allowed = len(eligible) if gate is None else max(0, min(len(eligible), await gate(ref_id, len(eligible))))
    for part, state, reason in ((eligible[:allowed], DeliveryState.QUEUED, ""),
                                (eligible[allowed:], DeliveryState.SKIPPED, BUDGET_SPENT)):
        existing = [r["sms_id"] for r in part if r["sms_id"] is not None]
        if existing:
            await raw(Delivery, "UPDATE deliveries SET state = {}, reason = {}, fallback = {}, updated_at = {} "
                      f"WHERE id IN ({placeholders(len(existing))}) AND state = '{DeliveryState.SKIPPED}'",
                      state, reason, True, now, *existing)
        missing = [(kind, ref_id, r["user_id"], "sms", state, reason, now, now, True)
                   for r in part if r["sms_id"] is None]
        if missing:
            await bulk_insert(Delivery, FALLBACK_COLUMNS, missing)
    return allowed > 0


async def device_heard(user_id: int, device: int) -> None:
    """A receipt named this device of the member: it hears, its misses and flag are cleared."""
    await PushSubscription.update({PushSubscription.last_received_at: clock.now(), PushSubscription.missed: 0,
                                   PushSubscription.silent_since: None}).where(
        (PushSubscription.id == device) & (PushSubscription.user == user_id))


# The member's e-mail -------------------------------------------------------------------------

SILENT_SUBJECT = {"fr": "Vigie : un de vos appareils ne reçoit plus les notifications",
                  "en": "Vigie: one of your devices no longer receives notifications"}


async def tell_member_device_silent(ctx: dict[str, Any], subscription_id: int) -> int:
    """Outbox task: tell the member by e-mail that this device stopped receiving (once per flag)."""
    settings: Settings = ctx["settings"]
    sub = await PushSubscription.select(PushSubscription.user, PushSubscription.device_label,
                                        PushSubscription.silent_since).where(
        PushSubscription.id == subscription_id).first()
    if sub is None or sub["silent_since"] is None:
        return 0  # gone, or it heard again meanwhile
    user = await User.select(User.email, User.first_name, User.locale).where(User.id == sub["user"]).first()
    if user is None or not user["email"]:
        return 0
    locale = i18n.supported(user["locale"])
    text = render("email/device_silent.txt", locale, first_name=user["first_name"],
                  device=sub["device_label"] or "", link=f"{settings.base_url}/#/reglages")
    await email_adapter.send_email(settings, [OutgoingMail(to=user["email"], subject=SILENT_SUBJECT[locale],
                                                           text=text)])
    return 1
