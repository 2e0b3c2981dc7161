"""What an alert (and its follow-up) says on each channel, and who gets it."""

from __future__ import annotations

import html
from typing import Any

from backend.alerts.service import ALERT_KIND, CATEGORIES, FOLLOWUP_KIND, RESOLUTIONS, URGENT
from backend.alerts.tables import Alert
from backend.delivery.kinds import Notice
from backend.delivery.service import FanoutPlan, Recipient, community_recipients
from backend.settings import Settings


def _tpl(text: str) -> str:
    """User text inside a string.Template: `$` must not start a placeholder."""
    return text.replace("$", "$$")


async def _alert(ref_id: int) -> dict[str, Any] | None:
    row = await Alert.select(Alert.all_columns(), Alert.community.name, Alert.author.first_name,
                             Alert.author.last_name).where(Alert.id == ref_id).first()
    if row is None or row["moderation"] in ("hidden", "removed"):
        return None
    return row


def _local(dt: Any) -> str:
    from backend.delivery.service import LOCAL_TZ

    return dt.astimezone(LOCAL_TZ).strftime("%d/%m/%Y à %H:%M")


class AlertNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await _alert(ref_id)
        if row is None:
            return None
        return await community_recipients([row["community"]], row["author"]), FanoutPlan(urgent=row["category"] in URGENT)

    async def notice(self, settings: Settings, ref_id: int) -> Notice | None:
        row = await _alert(ref_id)
        if row is None:
            return None
        label = CATEGORIES.get(row["category"], row["category"])
        community = row["community.name"]
        author = f"{row['author.first_name']} {row['author.last_name']}"
        urgent = row["category"] in URGENT
        place = f"Lieu : {row['place']}\n" if row["place"] else ""
        when = _local(row["created_at"])
        text = (
            "Bonjour $first_name,\n\n"
            f"Nouvelle alerte dans le quartier {_tpl(community)} :\n\n"
            f"{_tpl(label)} — {_tpl(row['title'])}\n{_tpl(place)}\n{_tpl(row['body'])}\n\n"
            f"Signalée par {_tpl(author)} le {when}.\n\n"
            "Voir l'alerte : $link\n\n"
            "--\nVous recevez ce message parce que vous êtes membre de ce quartier sur Vigie.\n"
            "Ne plus recevoir les alertes par e-mail : $unsubscribe_url\n"
        )
        esc = lambda s: _tpl(html.escape(s))  # noqa: E731
        body_html = esc(row["body"]).replace("\n", "<br>")
        page = (
            '<!doctype html><html lang="fr"><body style="font-family:sans-serif;font-size:18px;color:#111">'
            "<p>Bonjour $first_name,</p>"
            f"<p>Nouvelle alerte dans le quartier <strong>{esc(community)}</strong> :</p>"
            f'<h1 style="font-size:22px">{esc(label)} — {esc(row["title"])}</h1>'
            + (f"<p><strong>Lieu :</strong> {esc(row['place'])}</p>" if row["place"] else "")
            + f"<p>{body_html}</p><p>Signalée par {esc(author)} le {when}.</p>"
            '<p><a href="$link" style="font-size:20px">Voir l\'alerte</a></p>'
            '<hr><p style="font-size:14px">Vous recevez ce message parce que vous êtes membre de ce quartier sur Vigie. '
            '<a href="$unsubscribe_url">Ne plus recevoir les alertes par e-mail</a></p></body></html>'
        )
        return Notice(
            title=f"{label} — {row['title']}", body=(f"{row['place']} · " if row["place"] else "") + row["body"],
            url=f"/#/alertes/{ref_id}", tag=f"alert-{ref_id}", event="alert", ref_id=ref_id, urgent=urgent,
            community=community, ttl=6 * 3600 if urgent else 24 * 3600, urgency="high" if urgent else "normal",
            email_subject=f"[Vigie] {label} — {community} : {row['title']}", email_text=text, email_html=page,
            sms_text=f"VIGIE {community} : {label} - {row['title']}. {row['body']}",
        )


class FollowupNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await _alert(ref_id)
        if row is None or row["resolution"] == "open":
            return None
        return await community_recipients([row["community"]], row["author"]), FanoutPlan(channels=("push",))

    async def notice(self, settings: Settings, ref_id: int) -> Notice | None:
        row = await _alert(ref_id)
        if row is None or row["resolution"] == "open":
            return None
        word = RESOLUTIONS[row["resolution"]].capitalize()
        return Notice(
            title=f"{word} : {row['title']}", body=f"L'alerte de {row['author.first_name']} est close ({RESOLUTIONS[row['resolution']]}).",
            url=f"/#/alertes/{ref_id}", tag=f"alert-{ref_id}", event="alert_followup", ref_id=ref_id,
            community=row["community.name"], ttl=12 * 3600, urgency="low",
        )
