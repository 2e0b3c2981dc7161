"""Delivery: preferences, push subscriptions, the outbox, fan-out and per-recipient records.

Fan-out and sends touch the database a constant number of times per batch (never per
recipient): recipients, preferences and devices come in one query; delivery rows are
bulk-inserted under a unique (kind, ref, user, channel) index, so a replayed fan-out adds no row.
Sends are claimed with a renewed lease (`leases.py`); what a killed worker may still send twice,
and why nobody sees it, is in docs/architecture.md ("What can still be doubled").
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from valkey.exceptions import ValkeyError

from backend.auth import service as accounts
from backend.auth.tables import User
from backend.delivery.push import is_allowed_endpoint
from backend.delivery.schemas import ChannelCounts, MyDelivery, Preferences, SubscriptionIn, SubscriptionOut
from backend.delivery.tables import Delivery, DeliveryPreference, Outbox, PushSubscription
from backend.lib import clock
from backend.lib.errors import DomainError, NotFound
from backend.lib.phones import is_sms_capable
from backend.lib.queues import Queues
from backend.lib.sql import bulk_insert, chunks, placeholders, raw, select_in
from backend.settings import Settings

log = logging.getLogger(__name__)

CHANNELS = ("push", "email", "sms")
BATCH = 100  # recipients per send job
LOCAL_TZ = ZoneInfo("Europe/Paris")  # France and Belgium share it
STALE_CLAIM = timedelta(minutes=2)


# Preferences ----------------------------------------------------------------------------

def _parse_hhmm(value: str | None, label: str) -> str:
    if not value:
        return ""
    try:
        parsed = datetime.strptime(value, "%H:%M")
    except ValueError:
        raise DomainError(f"Heure invalide pour {label} (format HH:MM, ex. 22:00).", "invalid_time") from None
    return parsed.strftime("%H:%M")


async def start_channels(user_id: int, sms: bool) -> None:
    """A new account's preferences: push and e-mail on, SMS on when it gave a mobile for it (sign-up)."""
    await DeliveryPreference.insert(DeliveryPreference(
        user=user_id, push=True, email=True, sms=sms, email_token=secrets.token_urlsafe(24)))


accounts.start_channels = start_channels


async def _sms_available(user_id: int) -> bool:
    row = await User.select(User.phone).where(User.id == user_id).first()
    return row is not None and is_sms_capable(row["phone"] or "")


async def get_preferences(user_id: int) -> Preferences:
    """The member's channels, and what they can reach: SMS possible (a mobile), devices subscribed to push."""
    row = await DeliveryPreference.select().where(DeliveryPreference.user == user_id).first()
    sms_available = await _sms_available(user_id)
    devices = await PushSubscription.count().where(PushSubscription.user == user_id)
    if row is None:
        return Preferences(email_messages=False, sms_available=sms_available, devices=devices)
    return Preferences(push=row["push"], email=row["email"], sms=row["sms"],
                       quiet_start=row["quiet_start"] or None, quiet_end=row["quiet_end"] or None,
                       email_messages=row["email_messages"], sms_available=sms_available, devices=devices)


async def set_preferences(user_id: int, prefs: Preferences) -> Preferences:
    """Store the member's channels and quiet hours; SMS can be turned on only with a French or Belgian mobile."""
    if prefs.sms and not await _sms_available(user_id):
        raise DomainError("Les alertes par SMS demandent un numéro de portable français ou belge : "
                          "votre numéro est un fixe ou un numéro étranger.", "sms_unavailable")
    start = _parse_hhmm(prefs.quiet_start, "le début des heures calmes")
    end = _parse_hhmm(prefs.quiet_end, "la fin des heures calmes")
    if bool(start) != bool(end):
        raise DomainError("Indiquez le début et la fin des heures calmes, ou aucun des deux.", "invalid_quiet_hours")
    if start and start == end:
        raise DomainError("Le début et la fin des heures calmes doivent être différents.", "invalid_quiet_hours")
    values = {DeliveryPreference.push: prefs.push, DeliveryPreference.email: prefs.email,
              DeliveryPreference.sms: prefs.sms, DeliveryPreference.quiet_start: start,
              DeliveryPreference.quiet_end: end}
    email_messages = prefs.email_messages if isinstance(prefs.email_messages, bool) else None
    if email_messages is not None:
        values[DeliveryPreference.email_messages] = email_messages
    updated = await DeliveryPreference.update(values).where(DeliveryPreference.user == user_id).returning(
        DeliveryPreference.id)
    if not updated:
        await DeliveryPreference.insert(DeliveryPreference(
            user=user_id, push=prefs.push, email=prefs.email, sms=prefs.sms, quiet_start=start, quiet_end=end,
            email_messages=bool(email_messages), email_token=secrets.token_urlsafe(24)))
    return await get_preferences(user_id)


async def set_channel(user_id: int, channel: str, enabled: bool) -> None:
    """Turn one channel on/off (SMS STOP, e-mail unsubscribe link)."""
    prefs = await get_preferences(user_id)
    setattr(prefs, channel, enabled)
    await set_preferences(user_id, prefs)


async def email_token(user_id: int) -> str:
    """The secret that lets a mail's unsubscribe link turn e-mail off without logging in."""
    row = await DeliveryPreference.select(DeliveryPreference.email_token).where(DeliveryPreference.user == user_id).first()
    if row is None:
        await set_preferences(user_id, Preferences())
        row = await DeliveryPreference.select(DeliveryPreference.email_token).where(
            DeliveryPreference.user == user_id).first()
    if not row["email_token"]:
        token = secrets.token_urlsafe(24)
        await DeliveryPreference.update({DeliveryPreference.email_token: token}).where(DeliveryPreference.user == user_id)
        return token
    return row["email_token"]


async def email_tokens(user_ids: Sequence[int]) -> dict[int, str]:
    """Unsubscribe tokens for many users at once (creating the missing ones in bulk)."""
    rows = await select_in(DeliveryPreference, 'SELECT "user", email_token FROM delivery_preferences WHERE "user"',
                           user_ids)
    tokens = {r["user"]: r["email_token"] for r in rows if r["email_token"]}
    have_row = {r["user"] for r in rows}
    missing = [u for u in user_ids if u not in have_row]
    if missing:
        new = [(u, True, True, False, "", "", secrets.token_urlsafe(24)) for u in missing]
        await bulk_insert(DeliveryPreference, ["user", "push", "email", "sms", "quiet_start", "quiet_end", "email_token"], new)
        tokens.update({row[0]: row[-1] for row in new})
    for u in [u for u in have_row if u not in tokens]:
        tokens[u] = await email_token(u)
    return tokens


async def unsubscribe_email(token: str, what: str = "alerts") -> bool:
    """The unsubscribe link of a mail: `alerts` turns e-mail alerts off, `messages` the message digests."""
    if not token or what not in ("alerts", "messages"):
        return False
    column = DeliveryPreference.email if what == "alerts" else DeliveryPreference.email_messages
    updated = await DeliveryPreference.update({column: False}).where(
        DeliveryPreference.email_token == token).returning(DeliveryPreference.id)
    return bool(updated)


def in_quiet_hours(start: str, end: str, at: datetime) -> bool:
    if not start or not end:
        return False
    local = at.astimezone(LOCAL_TZ).time()
    s, e = time.fromisoformat(start), time.fromisoformat(end)
    return (s <= local < e) if s < e else (local >= s or local < e)


# Push subscriptions ---------------------------------------------------------------------

async def subscribe(settings: Settings, user_id: int, data: SubscriptionIn) -> int:
    """Store (or move to this user) a browser subscription; the endpoint must be an allowed push service."""
    if not is_allowed_endpoint(settings, data.endpoint):
        raise DomainError("Ce service de notification n'est pas autorisé.", "push_endpoint_not_allowed")
    if not (20 <= len(data.keys.p256dh) <= 200 and 10 <= len(data.keys.auth) <= 100):
        raise DomainError("Clés d'abonnement invalides.", "invalid_push_keys")
    label = data.device_label.strip()[:100]
    existing = await PushSubscription.select(PushSubscription.id).where(
        PushSubscription.endpoint == data.endpoint).first()
    if existing:
        await PushSubscription.update({PushSubscription.user: user_id, PushSubscription.p256dh: data.keys.p256dh,
                                       PushSubscription.auth: data.keys.auth, PushSubscription.device_label: label}
                                      ).where(PushSubscription.id == existing["id"])
        return existing["id"]
    rows = await PushSubscription.insert(PushSubscription(
        user=user_id, endpoint=data.endpoint, p256dh=data.keys.p256dh, auth=data.keys.auth, device_label=label,
    )).returning(PushSubscription.id)
    return rows[0]["id"]


async def list_subscriptions(user_id: int) -> list[SubscriptionOut]:
    rows = await PushSubscription.select(PushSubscription.id, PushSubscription.device_label,
                                         PushSubscription.created_at).where(PushSubscription.user == user_id)
    return [SubscriptionOut(id=r["id"], device_label=r["device_label"], created_at=r["created_at"].isoformat())
            for r in rows]


async def own_subscription(user_id: int, subscription_id: int) -> dict:
    row = await PushSubscription.select().where(
        (PushSubscription.id == subscription_id) & (PushSubscription.user == user_id)).first()
    if row is None:
        raise NotFound("Cet appareil n'est pas enregistré sur votre compte.", "subscription_not_found")
    return row


async def unsubscribe(user_id: int, subscription_id: int) -> None:
    await own_subscription(user_id, subscription_id)
    await PushSubscription.delete().where(PushSubscription.id == subscription_id)


# Outbox ---------------------------------------------------------------------------------

async def add_outbox(kind: str, ref_id: int) -> None:
    """Record work to hand to the queue; call inside the transaction that creates `ref_id`.

    Ids are never reused (AUTOINCREMENT on SQLite, sequences on PostgreSQL), but a database from
    before that may hold the row of a deleted thing whose id a new one got: the new row replaces
    it instead of failing on the unique (kind, ref_id)."""
    await Outbox.raw(
        "INSERT INTO outbox (kind, ref_id, created_at, dispatched_at, completed_at, attempts) "
        "VALUES ({}, {}, {}, NULL, NULL, 0) ON CONFLICT (kind, ref_id) DO UPDATE SET "
        "created_at = excluded.created_at, dispatched_at = NULL, completed_at = NULL, attempts = 0",
        kind, ref_id, clock.now())


async def dispatch(queues: Queues, kind: str, ref_id: int) -> bool:
    """Hand an outbox row to the fan-out queue; False (and nothing lost) when Valkey is down."""
    try:
        await queues.enqueue("fanout", "fanout", job_key=f"fanout:{kind}:{ref_id}", kind=kind, ref_id=ref_id,
                             timeout=300, retries=10)
    except (ValkeyError, OSError) as exc:
        log.warning("fan-out of %s %s postponed, queue unavailable: %s", kind, ref_id, exc)
        return False
    # Hand-written: this runs inside every alert POST, and piccolo's builder cost more than the UPDATE.
    await Outbox.raw("UPDATE outbox SET dispatched_at = {}, attempts = attempts + 1 WHERE kind = {} AND ref_id = {}",
                     clock.now(), kind, ref_id)
    return True


async def redispatch_outbox(queues: Queues, min_age: timedelta = timedelta(seconds=2),
                            lost_after: timedelta = timedelta(minutes=2)) -> int:
    """Hand over rows never dispatched (Valkey was down) or dispatched long ago and not done."""
    now = clock.now()
    rows = await Outbox.select(Outbox.kind, Outbox.ref_id).where(
        Outbox.completed_at.is_null() & (
            (Outbox.dispatched_at.is_null() & (Outbox.created_at < now - min_age))
            | (Outbox.dispatched_at < now - lost_after))
    ).limit(500)
    done = 0
    for row in rows:
        if await dispatch(queues, row["kind"], row["ref_id"]):
            done += 1
        else:
            break
    return done


async def complete_outbox(kind: str, ref_id: int) -> None:
    await Outbox.update({Outbox.completed_at: clock.now()}).where((Outbox.kind == kind) & (Outbox.ref_id == ref_id))


# Fan-out --------------------------------------------------------------------------------

@dataclass
class Recipient:
    user_id: int
    push: bool = True
    email: bool = True
    sms: bool = False
    quiet_start: str = ""
    quiet_end: str = ""
    devices: int = 0
    has_email: bool = True
    has_phone: bool = True


_RECIPIENT_SELECT = (
    'SELECT DISTINCT u.id AS user_id, u.email AS address, u.phone AS phone, p.push AS push, p.email AS email, '
    'p.sms AS sms, p.quiet_start AS quiet_start, p.quiet_end AS quiet_end, '
    '(SELECT COUNT(*) FROM push_subscriptions s WHERE s."user" = u.id) AS devices '
)
RECIPIENT_COLUMNS = (
    _RECIPIENT_SELECT + 'FROM memberships m JOIN users u ON u.id = m."user" '
    'LEFT JOIN delivery_preferences p ON p."user" = u.id '
)


async def community_recipients(community_ids: Sequence[int], exclude_user: int | None) -> list[Recipient]:
    """Active members of the communities, with their preferences and device counts: one query."""
    sql = RECIPIENT_COLUMNS + (
        f"WHERE m.status = 'active' AND u.is_suspended = {{}} AND m.community IN ({placeholders(len(community_ids))})"
    )
    args: list[Any] = [False, *community_ids]
    if exclude_user is not None:
        sql += " AND u.id != {}"
        args.append(exclude_user)
    rows = await Delivery.raw(sql, *args)
    return [_recipient(r) for r in rows]


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
        # SMS is on only for a mobile (sign-up, set_preferences, the E.164 migration): not parsed here,
        # ~85 µs a number would add ~0.85 s to a fan-out of 10,000
        devices=int(r["devices"] or 0), has_email=bool(r["address"]), has_phone=bool(r["phone"]),
    )


@dataclass
class FanoutPlan:
    """Which channels to use, and whether quiet hours are broken (urgent)."""

    channels: tuple[str, ...] = CHANNELS
    urgent: bool = False
    follow_channels: bool = True  # respect each member's channel choices


def plan_rows(kind: str, ref_id: int, recipients: Iterable[Recipient], plan: FanoutPlan, at: datetime) -> list[tuple]:
    """Delivery rows (kind, ref_id, user, channel, state, reason, created_at, updated_at)."""
    rows = []
    for r in recipients:
        quiet = not plan.urgent and in_quiet_hours(r.quiet_start, r.quiet_end, at)
        for channel in plan.channels:
            wanted = getattr(r, channel) if plan.follow_channels else True
            state, reason = "queued", ""
            if not wanted:
                state, reason = "skipped", "désactivé dans les réglages"
            elif channel == "push" and r.devices == 0:
                state, reason = "skipped", "aucun appareil abonné"
            elif channel == "email" and not r.has_email:
                state, reason = "skipped", "pas d'adresse e-mail"
            elif channel == "sms" and not r.has_phone:
                state, reason = "skipped", "pas de numéro de téléphone"
            elif quiet:
                state, reason = "skipped", "heures calmes"
            rows.append((kind, ref_id, r.user_id, channel, state, reason, at, at))
    return rows


DELIVERY_COLUMNS = ["kind", "ref_id", "user", "channel", "state", "reason", "created_at", "updated_at"]


async def fan_out(queues: Queues, kind: str, ref_id: int, recipients: list[Recipient], plan: FanoutPlan) -> int:
    """Create the delivery rows (idempotent) and enqueue send jobs of BATCH recipients per channel.

    Channel by channel, in the plan's order (push first): the push jobs start while the
    e-mail and SMS rows are being written (~0.3 s for 10,000 recipients on SQLite).
    """
    rows = plan_rows(kind, ref_id, recipients, plan, clock.now())
    jobs = 0
    for channel in plan.channels:
        await bulk_insert(Delivery, DELIVERY_COLUMNS, [r for r in rows if r[3] == channel])
        jobs += await enqueue_queued(queues, kind, ref_id, channel=channel)
    return jobs


async def enqueue_queued(queues: Queues, kind: str, ref_id: int, again: str = "", channel: str | None = None) -> int:
    """Enqueue send jobs for every still-queued delivery of (kind, ref): jobs are keyed, so this is idempotent.

    `again` is added to the keys when re-sending rows whose job died with its worker: SAQ keeps
    that job, under the old key, until its sweep finds it stuck (minutes), and would refuse a
    job with the same key until then. A duplicate job is harmless: `claim` gives each row once.
    `channel` limits it to that channel's rows.
    """
    sql = "SELECT id, channel FROM deliveries WHERE kind = {} AND ref_id = {} AND state = 'queued'"
    args: list[Any] = [kind, ref_id]
    if channel is not None:
        sql += " AND channel = {}"
        args.append(channel)
    rows = await Delivery.raw(sql + " ORDER BY id", *args)
    by_channel: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_channel[r["channel"]].append(r["id"])
    jobs = 0
    for name, ids in by_channel.items():
        for part in chunks(ids, BATCH):
            await queues.enqueue(name, f"send_{name}", job_key=f"send:{name}:{part[0]}-{part[-1]}{again}",
                                 delivery_ids=list(part), timeout=120, retries=3)
            jobs += 1
    return jobs


# Sending: claim, record ----------------------------------------------------------------------

async def record(outcomes: dict[tuple[str, str], list[int]]) -> None:
    """Write outcomes grouped by (state, reason): one UPDATE per group. The claim's lease ends;
    a failure or a retry keeps its reason as the row's `last_error`."""
    now = clock.now()
    for (state, reason), ids in outcomes.items():
        if not ids:
            continue
        sent_at = now if state == "sent" else None
        error = reason[:200] if state in ("failed", "queued") else None
        for part in chunks(ids, 500):
            await raw(
                Delivery, "UPDATE deliveries SET state = {}, reason = {}, updated_at = {}, sent_at = COALESCE({}, sent_at), "
                f"lease_until = NULL, last_error = COALESCE({{}}, last_error) WHERE id IN ({placeholders(len(part))})",
                state, reason[:200], now, sent_at, error, *part)


async def requeue_stale(queues: Queues, older_than: timedelta = STALE_CLAIM) -> int:
    """Queued rows that no job took for `older_than` (their job was lost with Valkey) get a job
    again. Rows a dead worker held are taken over sooner, by lease (`leases.take_over`)."""
    cutoff = clock.now() - older_than
    orphans = await Delivery.raw(
        "SELECT DISTINCT kind, ref_id FROM deliveries WHERE state = 'queued' AND updated_at < {}", cutoff)
    refs = {(r["kind"], r["ref_id"]) for r in orphans}
    again = clock.now().strftime(":again-%Y%m%dT%H%M")  # one new job a minute at most
    for kind, ref_id in refs:
        await enqueue_queued(queues, kind, ref_id, again)
    return len(refs)


# Visibility -----------------------------------------------------------------------------

async def counts(kind: str, ref_ids: Sequence[int]) -> dict[int, dict[str, ChannelCounts]]:
    """Per ref, per channel: how many queued/sending/sent/failed/skipped, and received/opened."""
    if not ref_ids:
        return {}
    rows = await Delivery.raw(
        "SELECT ref_id, channel, state, COUNT(*) AS n, COUNT(received_at) AS received, COUNT(opened_at) AS opened "
        f"FROM deliveries WHERE kind = {{}} AND ref_id IN ({placeholders(len(ref_ids))}) "
        "GROUP BY ref_id, channel, state", kind, *ref_ids)
    out: dict[int, dict[str, ChannelCounts]] = {r: {c: ChannelCounts() for c in CHANNELS} for r in ref_ids}
    for r in rows:
        c = out[r["ref_id"]][r["channel"]]
        setattr(c, r["state"], getattr(c, r["state"]) + int(r["n"]))
        c.received += int(r["received"])
        c.opened += int(r["opened"])
    return out


async def mine(kind: str, ref_id: int, user_id: int) -> list[MyDelivery]:
    rows = await Delivery.select(Delivery.id, Delivery.channel, Delivery.state, Delivery.reason, Delivery.attempts,
                                 Delivery.last_error).where(
        (Delivery.kind == kind) & (Delivery.ref_id == ref_id) & (Delivery.user == user_id)).order_by(Delivery.id)
    return [MyDelivery(id=r["id"], channel=r["channel"], state=r["state"], reason=r["reason"], attempts=r["attempts"],
                       last_error=r["last_error"]) for r in rows]


async def receipt(user_id: int, delivery_id: int, event: str) -> None:
    """The service worker saw the push (`received`) or the person clicked it (`opened`)."""
    if event not in ("received", "opened"):
        raise DomainError("Événement inconnu (received ou opened).", "invalid_receipt")
    row = await Delivery.select(Delivery.id, Delivery.state).where(
        (Delivery.id == delivery_id) & (Delivery.user == user_id)).first()
    if row is None:
        raise NotFound("Notification inconnue.", "delivery_not_found")
    now = clock.now()
    column = Delivery.received_at if event == "received" else Delivery.opened_at
    values: dict[Any, Any] = {column: now}
    if event == "opened":
        await Delivery.update({Delivery.received_at: now}).where(
            (Delivery.id == delivery_id) & Delivery.received_at.is_null())
    if row["state"] in ("queued", "sending", "failed"):
        # The device got it, whatever the push service answered us.
        values.update({Delivery.state: "sent", Delivery.sent_at: now})
    await Delivery.update(values).where((Delivery.id == delivery_id) & column.is_null())
