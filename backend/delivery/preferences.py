"""Preferences: which channels a member wants, quiet hours, and the e-mail unsubscribe tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, time
from typing import Sequence
from zoneinfo import ZoneInfo

from backend.auth.tables import User
from backend.delivery.schemas import Preferences
from backend.delivery.tables import DeliveryPreference, PushSubscription
from backend.lib.errors import DomainError
from backend.lib.sql import bulk_insert, select_in

LOCAL_TZ = ZoneInfo("Europe/Paris")  # France and Belgium share it


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


async def _sms_available(user_id: int) -> bool:
    row = await User.select(User.phone_mobile).where(User.id == user_id).first()
    return row is not None and bool(row["phone_mobile"])


async def get_preferences(user_id: int) -> Preferences:
    """The member's channels, and what they can reach: SMS possible (a mobile), devices subscribed to push."""
    row = await DeliveryPreference.select().where(DeliveryPreference.user == user_id).first()
    sms_available = await _sms_available(user_id)
    devices = await PushSubscription.count().where(PushSubscription.user == user_id)
    if row is None:
        return Preferences(email_messages=False, sms_fallback=True, sms_available=sms_available, devices=devices)
    return Preferences(push=row["push"], email=row["email"], sms=row["sms"],
                       quiet_start=row["quiet_start"] or None, quiet_end=row["quiet_end"] or None,
                       email_messages=row["email_messages"], sms_fallback=bool(row["sms_fallback"]),
                       sms_available=sms_available, devices=devices)


async def set_preferences(user_id: int, prefs: Preferences) -> Preferences:
    """Store the member's channels and quiet hours; SMS can be turned on only with a French or Belgian mobile.
    « SMS de secours » (`sms_fallback`) can stay on without one: it only applies once a mobile is given."""
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
    sms_fallback = prefs.sms_fallback if isinstance(prefs.sms_fallback, bool) else None
    if sms_fallback is not None:
        values[DeliveryPreference.sms_fallback] = sms_fallback
    updated = await DeliveryPreference.update(values).where(DeliveryPreference.user == user_id).returning(
        DeliveryPreference.id)
    if not updated:
        await DeliveryPreference.insert(DeliveryPreference(
            user=user_id, push=prefs.push, email=prefs.email, sms=prefs.sms, quiet_start=start, quiet_end=end,
            email_messages=bool(email_messages), sms_fallback=True if sms_fallback is None else sms_fallback,
            email_token=secrets.token_urlsafe(24)))
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
    """True when `at` falls in the quiet hours `start`–`end` (HH:MM, Paris time; may span midnight)."""
    if not start or not end:
        return False
    local = at.astimezone(LOCAL_TZ).time()
    s, e = time.fromisoformat(start), time.fromisoformat(end)
    return (s <= local < e) if s < e else (local >= s or local < e)
