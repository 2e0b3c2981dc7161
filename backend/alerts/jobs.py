"""Alert jobs: mail to the police/gendarmerie referent, and the author's moderation notice."""

from __future__ import annotations

from typing import Any

from backend.alerts.service import CATEGORIES
from backend.alerts.tables import Alert, ModerationAction
from backend.auth.tables import User
from backend.communities.tables import Commune
from backend.delivery.channels import email as email_adapter
from backend.delivery.channels.email import OutgoingMail
from backend.delivery.service import LOCAL_TZ


async def forward_to_police(ctx: dict[str, Any], alert_id: int) -> int:
    """E-mail an alert flagged "police" to the commune's referent (participation citoyenne)."""
    settings = ctx["settings"]
    row = await Alert.select(Alert.all_columns(), Alert.community.name, Alert.community.commune,
                             Alert.author.first_name, Alert.author.last_name, Alert.author.phone).where(
        Alert.id == alert_id).first()
    if row is None or not row["notify_police"]:
        return 0
    commune = await Commune.select(Commune.name, Commune.police_email).where(
        Commune.id == row["community.commune"]).first()
    to = (commune and commune["police_email"]) or settings.police_email
    if not to:  # the contact was removed after posting: say so to the author and the mairie
        await Alert.update({Alert.police_no_contact: True}).where(Alert.id == alert_id)
        return 0
    label = CATEGORIES.get(row["category"], row["category"])
    text = (f"Alerte transmise par Vigie (quartier {row['community.name']}, {commune['name'] if commune else ''}).\n\n"
            f"{label} — {row['title']}\n" + (f"Lieu : {row['place']}\n" if row["place"] else "")
            + f"\n{row['body']}\n\nAuteur : {row['author.first_name']} {row['author.last_name']}, "
            f"tél. {row['author.phone']}\nDate : {row['created_at'].astimezone(LOCAL_TZ):%d/%m/%Y à %H:%M} (heure de Paris)\n"
            f"Lien : {settings.base_url}/#/alertes/{alert_id}\n")
    await email_adapter.send_email(settings, [OutgoingMail(to=to, subject=f"[Vigie] Alerte : {label} — {row['title']}",
                                                           text=text)])
    return 1


async def notify_author_of_moderation(ctx: dict[str, Any], action_id: int) -> int:
    """Tell the author why their alert was hidden or removed."""
    settings = ctx["settings"]
    action = await ModerationAction.select(ModerationAction.alert).where(ModerationAction.id == action_id).first()
    if action is None:
        return 0
    alert_id = action["alert"]
    row = await Alert.select(Alert.title, Alert.moderation, Alert.moderation_reason, Alert.author).where(
        Alert.id == alert_id).first()
    if row is None or row["moderation"] not in ("hidden", "removed"):
        return 0
    user = await User.select(User.email, User.first_name).where(User.id == row["author"]).first()
    word = "masquée" if row["moderation"] == "hidden" else "retirée"
    text = (f"Bonjour {user['first_name']},\n\nVotre alerte « {row['title']} » a été {word} par la modération.\n"
            f"Raison : {row['moderation_reason']}\n\nPour toute question, répondez depuis l'application.\n\nL'équipe Vigie")
    await email_adapter.send_email(settings, [OutgoingMail(to=user["email"], subject=f"Vigie : votre alerte a été {word}",
                                                           text=text)])
    return 1
