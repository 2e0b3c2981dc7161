"""What an alert (and its follow-up) says on each channel, and who gets it."""

from __future__ import annotations

from typing import Any

from backend.alerts.service import ALERT_KIND, CATEGORY_LABELS, FOLLOWUP_KIND, RESOLUTION_LABELS, URGENT
from backend.alerts.tables import Alert
from backend.delivery.kinds import Notice
from backend.delivery.service import FanoutPlan, Members
from backend.lib.i18n import moment_in_figures, supported
from backend.lib.sql import raw
from backend.lib.templates import render_notice
from backend.settings import Settings


_ALERT_SQL = (
    'SELECT a.*, c.name AS "community.name", u.first_name AS "author.first_name", u.last_name AS "author.last_name" '
    "FROM alerts a LEFT JOIN communities c ON c.id = a.community LEFT JOIN users u ON u.id = a.author WHERE a.id = {}"
)


async def _alert(ref_id: int) -> dict[str, Any] | None:
    """The alert with its community's and author's names, None when moderation took it down.
    Read once per send job: plain SQL, as piccolo's select with two joins cost ~0.4 ms to build
    (~2 % of a worker's CPU during a fan-out, bench/fanout.py under py-spy)."""
    rows = await raw(Alert, _ALERT_SQL, ref_id)
    if not rows or rows[0]["moderation"] in ("hidden", "removed"):
        return None
    return rows[0]


class AlertNotice:
    async def audience(self, ref_id: int) -> tuple[Members, FanoutPlan] | None:
        row = await _alert(ref_id)
        if row is None:
            return None
        return Members([row["community"]], row["author"]), FanoutPlan(urgent=row["category"] in URGENT)

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _alert(ref_id)
        if row is None:
            return None
        locale = supported(locale)
        label = CATEGORY_LABELS[locale].get(row["category"], row["category"])
        community = row["community.name"]
        author = f"{row['author.first_name']} {row['author.last_name']}"
        urgent = row["category"] in URGENT
        mail = dict(community=community, label=label, title=row["title"], place=row["place"] or "", body=row["body"],
                    author=author, when=moment_in_figures(row["created_at"], locale))
        return Notice(
            title=f"{label} — {row['title']}", body=(f"{row['place']} · " if row["place"] else "") + row["body"],
            url=f"/#/alertes/{ref_id}", tag=f"alert-{ref_id}", event="alert", ref_id=ref_id, urgent=urgent,
            community=community, ttl=6 * 3600 if urgent else 24 * 3600, urgency="high" if urgent else "normal",
            email_subject=(f"[Vigie] {label} — {community}: {row['title']}" if locale == "en"
                           else f"[Vigie] {label} — {community} : {row['title']}"),
            email_text=render_notice("email/alert.txt", locale, **mail),
            email_html=render_notice("email/alert.html", locale, **mail),
            sms_text=(f"VIGIE {community}: {label} - {row['title']}. {row['body']}" if locale == "en"
                      else f"VIGIE {community} : {label} - {row['title']}. {row['body']}"),
        )


class FollowupNotice:
    async def audience(self, ref_id: int) -> tuple[Members, FanoutPlan] | None:
        row = await _alert(ref_id)
        if row is None or row["resolution"] == "open":
            return None
        return Members([row["community"]], row["author"]), FanoutPlan(channels=("push",))

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _alert(ref_id)
        if row is None or row["resolution"] == "open":
            return None
        resolution = RESOLUTION_LABELS[supported(locale)][row["resolution"]]
        if supported(locale) == "en":
            title = f"{resolution.capitalize()}: {row['title']}"
            body = f"{row['author.first_name']}'s alert is closed ({resolution})."
        else:
            title = f"{resolution.capitalize()} : {row['title']}"
            body = f"L'alerte de {row['author.first_name']} est close ({resolution})."
        return Notice(
            title=title, body=body,
            url=f"/#/alertes/{ref_id}", tag=f"alert-{ref_id}", event="alert_followup", ref_id=ref_id,
            community=row["community.name"], ttl=12 * 3600, urgency="low",
        )
