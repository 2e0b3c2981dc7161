"""What the mairie's notifications say and to whom (delivery kinds of this domain).

- `mairie_broadcast`: every active member of the broadcast's communities, once each, on the
  broadcast's channels; urgence breaks quiet hours and forces its channels (see urgent_plan).
- `mairie_safety`: every person asked by a safety check (the list written when it opened).
- `mairie_ack`: the author of an alert the mairie acknowledged (push only).
"""

from __future__ import annotations

from typing import Any

from backend.communities.tables import Commune
from backend.delivery.kinds import Notice
from backend.delivery.service import FanoutPlan, Recipient, community_recipients
from backend.lib.french import de
from backend.lib.i18n import moment_in_figures, supported
from backend.lib.templates import render_notice
from backend.mairie.area import allow_fallback_sms, areas_of, spend_sms, urgent_plan
from backend.mairie.tables import Acknowledgement, Broadcast, SafetyAnswer, SafetyCheck
from backend.settings import Settings

FALLBACK_SEGMENTS = 2  # a send without the SMS channel has no count: the text is fitted to two segments
BROADCAST_KIND = "mairie_broadcast"
SAFETY_KIND = "mairie_safety"
ACK_KIND = "mairie_ack"
SEVERITY_LABELS = {"information": "Information", "vigilance": "Vigilance", "urgence": "URGENCE"}
CATEGORIES = {
    "meteo": "Météo",
    "inondation": "Inondation",
    "canicule": "Canicule",
    "voirie": "Voirie / travaux",
    "coupure": "Coupure d'eau ou d'électricité",
    "greve": "Grève / transports",
    "evenement": "Événement",
    "securite": "Sécurité",
    "autre": "Autre",
}
SEVERITY_LABELS_EN = {"information": "Information", "vigilance": "Warning", "urgence": "EMERGENCY"}
CATEGORIES_EN = {
    "meteo": "Weather",
    "inondation": "Flood",
    "canicule": "Heatwave",
    "voirie": "Roads / works",
    "coupure": "Water or power cut",
    "greve": "Strike / transport",
    "evenement": "Event",
    "securite": "Safety",
    "autre": "Other",
}
LABELS = {"fr": (SEVERITY_LABELS, CATEGORIES), "en": (SEVERITY_LABELS_EN, CATEGORIES_EN)}  # by locale


def channels_of(row: dict[str, Any]) -> list[str]:
    """The channels a broadcast row was sent on."""
    return [c for c in row["channels"].split(",") if c]


def plan_of(row: dict[str, Any]) -> Any:
    """How a broadcast row goes out: its channels; urgence breaks quiet hours and forces them."""
    return urgent_plan(channels_of(row), row["severity"] == "urgence")


def _mail(intro: str, heading: str, body: str, footer_link: str, locale: str = "fr") -> tuple[str, str]:
    """(text, html) of a mairie mail; `$first_name`, `$link`, `$unsubscribe_url` are filled per person."""
    values = dict(intro=intro, heading=heading, body=body, footer_link=footer_link)
    return render_notice("email/mairie.txt", locale, **values), render_notice("email/mairie.html", locale, **values)


def broadcast_notice(row: dict[str, Any], commune_name: str, locale: str = "fr") -> Notice:
    """The notification of a broadcast in `locale` (also used to estimate its SMS before it exists)."""
    locale = supported(locale)
    urgent = row["severity"] == "urgence"
    severities, categories = LABELS[locale]
    level = severities[row["severity"]]
    label = categories.get(row["category"], row["category"])
    until = row.get("valid_until")
    if locale == "en":
        title = f"{commune_name} town hall: {row['title']}"
        validity = f"\nValid until {moment_in_figures(until, locale)}." if until else ""
        link = f"\nMore information: {row['link']}" if row.get("link") else ""
        text, page = _mail(f"The {commune_name} town hall informs residents ({level}, {label}):", row["title"],
                           row["body"] + validity + link, "Read the announcement", locale)
        subject = f"[Vigie] {commune_name} town hall — {level}: {row['title']}"
        sms = f"TOWN HALL {commune_name} - {level}: {row['title']}. {row['body']}"
    else:
        title = f"Mairie {de(commune_name, proper=True)} : {row['title']}"
        validity = f"\nValable jusqu'au {moment_in_figures(until, locale)}." if until else ""
        link = f"\nPlus d'informations : {row['link']}" if row.get("link") else ""
        text, page = _mail(f"La mairie {de(commune_name, proper=True)} informe les habitants ({level}, {label}) :",
                           row["title"], row["body"] + validity + link, "Lire l'annonce")
        subject = f"[Vigie] Mairie {de(commune_name, proper=True)} — {level} : {row['title']}"
        sms = f"MAIRIE {commune_name} - {level} : {row['title']}. {row['body']}"
    return Notice(
        title=title, body=row["body"], url=f"/#/mairie/{row['id']}", tag=f"mairie-{row.get('parent') or row['id']}",
        event="mairie_broadcast", ref_id=row["id"], urgent=urgent, community=commune_name,
        ttl=6 * 3600 if urgent else 24 * 3600, urgency="high" if urgent else "normal",
        email_subject=subject, email_text=text, email_html=page, sms_text=sms,
    )


async def _commune_name(commune_id: int) -> str:
    row = await Commune.select(Commune.name).where(Commune.id == commune_id).first()
    return row["name"] if row else ""


class BroadcastNotice:
    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        row = await Broadcast.select().where((Broadcast.id == ref_id) & (Broadcast.status == "sent")).first()
        return row

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        area = (await areas_of(BROADCAST_KIND, [ref_id]))[ref_id]
        recipients = await community_recipients(area, None)
        plan = plan_of(row)
        await spend_sms(row["commune"], BROADCAST_KIND, ref_id, recipients, plan, row["sms_segments"])
        return recipients, plan

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        return None if row is None else broadcast_notice(row, await _commune_name(row["commune"]), locale)

    async def allow_fallback_sms(self, ref_id: int, count: int) -> int:
        """SMS de secours of an urgence: paid from the commune's monthly SMS budget like the others."""
        row = await Broadcast.select(Broadcast.commune, Broadcast.sms_segments).where(Broadcast.id == ref_id).first()
        if row is None:
            return 0
        return await allow_fallback_sms(row["commune"], BROADCAST_KIND, ref_id, count,
                                        row["sms_segments"] or FALLBACK_SEGMENTS)


def safety_notice(check: dict[str, Any], commune_name: str, locale: str = "fr") -> Notice:
    question = check["question"]
    if supported(locale) == "en":
        return _safety_notice_en(check, commune_name)
    text, page = _mail(f"La mairie {de(commune_name, proper=True)} prend des nouvelles des habitants :", question,
                       "Répondez d'un geste dans l'application : « Tout va bien » ou « J'ai besoin d'aide ». "
                       "Vous pouvez aussi répondre OUI ou AIDE au SMS de la mairie.", "Répondre")
    return Notice(
        title=f"Mairie {de(commune_name, proper=True)} : {question}", body="Touchez pour répondre : « Tout va bien » ou "
        "« J'ai besoin d'aide ».", url=f"/#/mairie/controle/{check['id']}", tag=f"safety-{check['id']}",
        event="safety_check", ref_id=check["id"], urgent=True, community=commune_name, ttl=12 * 3600,
        urgency="high", email_subject=f"[Vigie] Mairie {de(commune_name, proper=True)} : {question}", email_text=text,
        email_html=page,
        sms_text=f"MAIRIE {commune_name} : {question} Repondez OUI si tout va bien, AIDE si vous avez besoin d'aide.",
    )


def _safety_notice_en(check: dict[str, Any], commune_name: str) -> Notice:
    question = check["question"]
    # the SMS keywords stay OUI / AIDE: the inbound SMS commands read those
    text, page = _mail(f"The {commune_name} town hall is checking on residents:", question,
                       "Answer with one tap in the app: “I'm fine” or “I need help”. "
                       "You can also answer OUI (I'm fine) or AIDE (I need help) to the town hall's SMS.",
                       "Answer", "en")
    return Notice(
        title=f"{commune_name} town hall: {question}", body="Tap to answer: “I'm fine” or “I need help”.",
        url=f"/#/mairie/controle/{check['id']}", tag=f"safety-{check['id']}", event="safety_check",
        ref_id=check["id"], urgent=True, community=commune_name, ttl=12 * 3600, urgency="high",
        email_subject=f"[Vigie] {commune_name} town hall: {question}", email_text=text, email_html=page,
        sms_text=f"TOWN HALL {commune_name}: {question} Reply OUI if you are fine, AIDE if you need help.",
    )


class SafetyNotice:
    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        return await SafetyCheck.select().where((SafetyCheck.id == ref_id) & (SafetyCheck.status == "open")).first()

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        asked = {r["user"] for r in await SafetyAnswer.select(SafetyAnswer.user).where(SafetyAnswer.safety_check == ref_id)}
        area = (await areas_of(SAFETY_KIND, [ref_id]))[ref_id]
        recipients = [r for r in await community_recipients(area, None) if r.user_id in asked]
        plan = urgent_plan(row["channels"].split(","), True)
        await spend_sms(row["commune"], SAFETY_KIND, ref_id, recipients, plan, row["sms_segments"])
        return recipients, plan

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        return None if row is None else safety_notice(row, await _commune_name(row["commune"]), locale)

    async def allow_fallback_sms(self, ref_id: int, count: int) -> int:
        """SMS de secours of a safety check: paid from the commune's monthly SMS budget."""
        row = await SafetyCheck.select(SafetyCheck.commune, SafetyCheck.sms_segments).where(
            SafetyCheck.id == ref_id).first()
        if row is None:
            return 0
        return await allow_fallback_sms(row["commune"], SAFETY_KIND, ref_id, count,
                                        row["sms_segments"] or FALLBACK_SEGMENTS)


class AcknowledgementNotice:
    """Tells an alert's author that the mairie answered (push; the note is read in the app)."""

    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        return await Acknowledgement.select(Acknowledgement.alert, Acknowledgement.alert.author,
                                            Acknowledgement.alert.community, Acknowledgement.alert.title,
                                            Acknowledgement.commune.name).where(Acknowledgement.id == ref_id).first()

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        recipients = [r for r in await community_recipients([row["alert.community"]], None)
                      if r.user_id == row["alert.author"]]
        return recipients, FanoutPlan(channels=("push",))

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        alert_id = row["alert"]
        title = (f"The {row['commune.name']} town hall has acknowledged your alert" if supported(locale) == "en"
                 else f"La mairie {de(row['commune.name'], proper=True)} a pris en compte votre alerte")
        return Notice(title=title,
                      body=row["alert.title"], url=f"/#/alertes/{alert_id}", tag=f"alert-{alert_id}",
                      event="alert_acknowledged", ref_id=alert_id, ttl=24 * 3600, urgency="low")
