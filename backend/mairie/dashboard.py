"""The mairie's live dashboard: figures of the commune over the last 30 days, as JSON or CSV.

Every table is one grouped query (or one plain read aggregated here); nothing per row.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Awaitable, Callable

import msgspec
from babel.dates import format_datetime
from piccolo.engine.postgres import PostgresEngine

from backend.alerts import service as alerts
from backend.alerts.tables import Alert
from backend.communities.tables import Community
from backend.delivery import service as delivery
from backend.delivery.service import LOCAL_TZ
from backend.lib import clock
from backend.lib.errors import DomainError
from backend.mairie import safety
from backend.mairie.area import budget, commune_row
from backend.lib.csvout import csv_bytes
from backend.lib.sql import select_plain
from backend.lib.text import iso
from backend.mairie.liaison import awaiting_count_rows
from backend.mairie.notify import BROADCAST_KIND
from backend.mairie.schemas import (
    AlertsPerDay, CommunityFigures, Dashboard, ForwardedFigure, ReachFigure, SafetyFigure,
)
from backend.mairie.tables import Broadcast, SafetyCheck

DAYS = 30


def _since() -> datetime:
    """Midnight (Paris) 29 days ago: the window is today and the 29 days before."""
    today = clock.now().astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=DAYS - 1)


def _dt(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


MEMBERS_SQL = (
    "SELECT c.id, c.name, "
    "SUM(CASE WHEN m.status IN ('pending', 'active') THEN 1 ELSE 0 END) AS members, "
    "SUM(CASE WHEN m.status = 'active' THEN 1 ELSE 0 END) AS verified, "
    "SUM(CASE WHEN m.created_at >= {} THEN 1 ELSE 0 END) AS signups "
    "FROM communities c LEFT JOIN memberships m ON m.community = c.id "
    "WHERE c.commune = {} GROUP BY c.id, c.name ORDER BY c.name, c.id")
MEMBERS_SQL_POSTGRES = (
    "SELECT c.id, c.name, x.members, x.verified, x.signups FROM communities c CROSS JOIN LATERAL ("
    "SELECT COUNT(*) FILTER (WHERE m.status IN ('pending', 'active')) AS members, "
    "COUNT(*) FILTER (WHERE m.status = 'active') AS verified, "
    "COUNT(*) FILTER (WHERE m.created_at >= {}) AS signups "
    "FROM memberships m WHERE m.community = c.id) x "
    "WHERE c.commune = {} ORDER BY c.name, c.id")
"""The same figures, each community's counted from the index memberships_community_status (an
index-only scan of its ~10 entries): PostgreSQL planned MEMBERS_SQL for the largest commune as a
scan of the network's 300,000 memberships grouped in a hash (54–121 ms at load ~5), this in 26–54 ms.
SQLite has no LATERAL and reads the commune's memberships from that index anyway."""


async def community_figures(commune_id: int) -> list[CommunityFigures]:
    """Members, verified members, sign-ups and letters per community of the commune. Rows read as
    they come (`select_plain`): the largest commune's 5,275 copied into dicts cost ~10 ms of CPU."""
    since = clock.now() - timedelta(days=DAYS)
    postgres = isinstance(Alert._meta.db, PostgresEngine)
    rows = await select_plain(Alert, MEMBERS_SQL_POSTGRES if postgres else MEMBERS_SQL, since, commune_id)
    letters = await Alert.raw(
        "SELECT m.community, COUNT(*) AS n FROM activation_letters l JOIN memberships m ON m.id = l.membership "
        "JOIN communities c ON c.id = m.community WHERE c.commune = {} AND m.status = 'pending' "
        "AND l.redeemed_at IS NULL AND l.voided_at IS NULL GROUP BY m.community", commune_id)
    pending = {r["community"]: int(r["n"]) for r in letters}
    return [CommunityFigures(community_id=r["id"], name=r["name"], members=int(r["members"] or 0),
                             verified_members=int(r["verified"] or 0), signups_30d=int(r["signups"] or 0),
                             pending_letters=pending.get(r["id"], 0)) for r in rows]


async def alerts_per_day(commune_id: int) -> list[AlertsPerDay]:
    """Alerts (not removed by moderation) per Paris day and category, days with none left out."""
    rows = await Alert.raw(
        "SELECT a.created_at, a.category FROM alerts a JOIN communities c ON c.id = a.community "
        "WHERE c.commune = {} AND a.created_at >= {} AND a.moderation != 'removed'", commune_id, _since())
    tally = Counter((_dt(r["created_at"]).astimezone(LOCAL_TZ).date().isoformat(), r["category"]) for r in rows)
    return [AlertsPerDay(day=d, category=c, count=n) for (d, c), n in sorted(tally.items())]


async def forwarded_awaiting(commune_id: int) -> list[ForwardedFigure]:
    return [ForwardedFigure(alert_id=r["id"], community_name=r["community_name"], title=r["title"],
                            category=r["category"], notify_mairie=bool(r["notify_mairie"]),
                            notify_police=bool(r["notify_police"]), created_at=_dt(r["created_at"]).isoformat())
            for r in await awaiting_count_rows(commune_id)]


async def broadcast_reach(commune_id: int) -> list[ReachFigure]:
    """Per broadcast sent in the window and per channel: queued, sent, received, opened, failed, skipped."""
    rows = await Broadcast.select(Broadcast.id, Broadcast.title, Broadcast.severity, Broadcast.sent_at,
                                  Broadcast.channels).where(
        (Broadcast.commune == commune_id) & (Broadcast.status == "sent") & (Broadcast.sent_at >= _since())
    ).order_by(Broadcast.sent_at, ascending=False)
    counts = await delivery.counts(BROADCAST_KIND, [r["id"] for r in rows])
    out = []
    for r in rows:
        chosen = [c for c in r["channels"].split(",") if c in delivery.CHANNELS]
        if "sms" not in chosen and counts[r["id"]]["sms"].fallback:  # only SMS de secours went
            chosen.append("sms")
        for channel in chosen:
            c = counts[r["id"]][channel]
            out.append(ReachFigure(broadcast_id=r["id"], title=r["title"], severity=r["severity"],
                                   sent_at=iso(r["sent_at"]), channel=channel, queued=c.queued + c.sending, sent=c.sent,
                                   received=c.received, opened=c.opened, failed=c.failed, skipped=c.skipped,
                                   fallback=c.fallback))
    return out


async def safety_figures(commune_id: int) -> list[SafetyFigure]:
    rows = await SafetyCheck.select(SafetyCheck.id, SafetyCheck.question, SafetyCheck.status,
                                    SafetyCheck.created_at).where(
        (SafetyCheck.commune == commune_id) & (SafetyCheck.created_at >= _since())).order_by(
        SafetyCheck.id, ascending=False)
    counts = await safety.counts([r["id"] for r in rows])
    return [SafetyFigure(check_id=r["id"], question=r["question"], status=r["status"],
                         created_at=r["created_at"].isoformat(), total=counts[r["id"]].total, ok=counts[r["id"]].ok,
                         help=counts[r["id"]].help, pending=counts[r["id"]].pending) for r in rows]


async def dashboard(commune_id: int) -> Dashboard:
    """Every table of the dashboard. The tables are independent reads, run together: on PostgreSQL
    each takes its own pooled connection, so the slowest one, not their sum, sets the wait (the
    largest commune, 1/6 of the network: 5,275 communities, ~50,000 members — bench/scale.py)."""
    commune = await commune_row(commune_id)
    generated_at = clock.now().isoformat()
    communities, per_day, forwarded, reach, checks, sms_budget, silent = await asyncio.gather(
        community_figures(commune_id), alerts_per_day(commune_id), forwarded_awaiting(commune_id),
        broadcast_reach(commune_id), safety_figures(commune_id), budget(commune_id), silent_devices(commune_id))
    return Dashboard(
        commune_id=commune_id, commune_name=commune["name"], generated_at=generated_at, communities=communities,
        alerts_per_day=per_day, forwarded_awaiting=forwarded, broadcast_reach=reach, safety_checks=checks,
        sms_budget=sms_budget, silent_devices=silent,
    )


SILENT_SQL = (
    'SELECT COUNT(DISTINCT s.id) AS n FROM push_subscriptions s JOIN memberships m ON m."user" = s."user" '
    "JOIN communities c ON c.id = m.community WHERE c.commune = {} AND m.status = 'active' "
    "AND s.silent_since IS NOT NULL")
"""Read from the partial index `push_subscriptions_silent` (the few flagged devices), not the network's."""


async def silent_devices(commune_id: int) -> int:
    """Devices of the commune's active members flagged as no longer receiving notifications."""
    rows = await Community.raw(SILENT_SQL, commune_id)
    return int(rows[0]["n"] or 0)


def _yes_no(value: Any) -> str:
    return "oui" if value else "non"


def _moment(value: Any) -> str:
    """An ISO instant as a spreadsheet reads it, in Paris time: "02/12/2026 14:05"."""
    return format_datetime(_dt(value), "dd/MM/y HH:mm", tzinfo=LOCAL_TZ, locale="fr_FR") if value else ""


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def _alert_category(value: str) -> str:
    return alerts.CATEGORIES.get(value, value)


CHANNEL_NAMES = {"push": "notification", "email": "e-mail", "sms": "SMS"}
BROADCAST_SEVERITIES = {"information": "information", "vigilance": "vigilance", "urgence": "urgence"}
SAFETY_STATUSES = {"open": "en cours", "closed": "close"}

Column = tuple[str, str, Callable[[Any], Any] | None]
"""A CSV column: the JSON field, its French header, how its value is written (None: as it is)."""

TABLES: dict[str, tuple[Callable[[int], Awaitable[list[Any]]], list[Column]]] = {
    "communities": (community_figures, [
        ("community_id", "n° du quartier", None), ("name", "quartier", None), ("members", "membres", None),
        ("verified_members", "membres vérifiés", None), ("signups_30d", "inscriptions sur 30 jours", None),
        ("pending_letters", "courriers en attente", None)]),
    "alerts_per_day": (alerts_per_day, [
        ("day", "jour", _day), ("category", "catégorie", _alert_category), ("count", "alertes", None)]),
    "forwarded_awaiting": (forwarded_awaiting, [
        ("alert_id", "n° de l'alerte", None), ("community_name", "quartier", None), ("title", "titre", None),
        ("category", "catégorie", _alert_category), ("notify_mairie", "transmise à la mairie", _yes_no),
        ("notify_police", "transmise à la police", _yes_no), ("created_at", "reçue le (heure de Paris)", _moment)]),
    "broadcast_reach": (broadcast_reach, [
        ("broadcast_id", "n° du message", None), ("title", "titre", None),
        ("severity", "gravité", lambda v: BROADCAST_SEVERITIES.get(v, v)),
        ("sent_at", "envoyé le (heure de Paris)", _moment), ("channel", "canal", lambda v: CHANNEL_NAMES.get(v, v)),
        ("queued", "en attente", None), ("sent", "envoyés", None), ("received", "reçus", None),
        ("opened", "ouverts", None), ("failed", "échecs", None), ("skipped", "non envoyés", None)]),
    "safety_checks": (safety_figures, [
        ("check_id", "n° de la demande", None), ("question", "question", None),
        ("status", "état", lambda v: SAFETY_STATUSES.get(v, v)),
        ("created_at", "ouverte le (heure de Paris)", _moment), ("total", "personnes interrogées", None),
        ("ok", "tout va bien", None), ("help", "besoin d'aide", None), ("pending", "sans réponse", None)]),
}
"""Each dashboard table and its CSV columns: French headers and values (categories, channels and states in
words, yes/no, dates and times in Paris time), for a mairie agent opening it in a spreadsheet."""


async def table_csv(commune_id: int, table: str) -> bytes:
    """One dashboard table as CSV, in French (the JSON keeps its machine keys)."""
    if table not in TABLES:
        raise DomainError(f"Tableau inconnu : {', '.join(TABLES)}.", "invalid_table")
    await commune_row(commune_id)
    loader, columns = TABLES[table]
    rows = [msgspec.to_builtins(r) for r in await loader(commune_id)]
    return csv_bytes([header for _, header, _ in columns],
                     [[write(r[field]) if write else r[field] for field, _, write in columns] for r in rows])
