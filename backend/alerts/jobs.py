"""Alert jobs: mail to the police/gendarmerie referent, and the author's moderation notice."""

from __future__ import annotations

from typing import Any

from backend.alerts.service import CATEGORIES
from backend.alerts.tables import Alert, ModerationAction
from backend.auth.tables import User
from backend.communities.tables import Commune
from backend.delivery.channels import email as email_adapter
from backend.delivery.channels.email import OutgoingMail
from backend.lib import i18n, signed
from backend.lib.french import moment_in_figures
from backend.lib.templates import render


POLICE_ACK = "police-ack"  # the purpose of the signed link in the police mail (backend/partnership/police.py)


def police_ack_token(secret_key: str, alert_id: int) -> str:
    """The signed token of the link that lets the police/gendarmerie referent acknowledge an alert."""
    return signed.sign(secret_key, POLICE_ACK, {"a": alert_id})


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
    text = render("email/alert_police.txt", community=row["community.name"], commune=commune["name"] if commune else "",
                  label=label, title=row["title"], place=row["place"], body=row["body"],
                  author=f"{row['author.first_name']} {row['author.last_name']}", phone=row["author.phone"],
                  when=moment_in_figures(row["created_at"]),
                  ack_link=f"{settings.base_url}/#/police/accuse?jeton={police_ack_token(settings.secret_key, alert_id)}",
                  ack_days=settings.police_ack_link_days)
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
    user = await User.select(User.email, User.first_name, User.locale).where(User.id == row["author"]).first()
    if user["locale"] == "en":
        word = "hidden" if row["moderation"] == "hidden" else "removed"
        subject = f"Vigie: your alert was {word}"
    else:
        word = "masquée" if row["moderation"] == "hidden" else "retirée"
        subject = f"Vigie : votre alerte a été {word}"
    text = render("email/alert_moderated.txt", i18n.supported(user["locale"]), first_name=user["first_name"],
                  title=row["title"], word=word, reason=row["moderation_reason"])
    await email_adapter.send_email(settings, [OutgoingMail(to=user["email"], subject=subject, text=text)])
    return 1
