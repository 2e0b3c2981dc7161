"""What the mairie's notifications say and to whom (delivery kinds of this domain).

- `mairie_broadcast`: every active member of the broadcast's communities, once each, on the
  broadcast's channels; urgence breaks quiet hours and forces its channels (see urgent_plan).
- `mairie_safety`: every person asked by a safety check (the list written when it opened).
- `mairie_ack`: the author of an alert the mairie acknowledged (push only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Mapping

from backend.communities.tables import Commune
from backend.delivery.kinds import Notice
from backend.delivery.service import Audience, FanoutPlan, Members, Recipient, community_recipients
from backend.lib.french import de
from backend.lib.i18n import moment_in_figures, phrasebook, supported
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
# What the notices say, by locale: `{commune}` is the commune's name, `{de_commune}` the French « de Paris ».
# The safety check's SMS keywords stay OUI / AIDE in every language: the inbound SMS commands read those.
TEXTS = {
    "fr": {
        "title": "Mairie {de_commune} : {title}",
        "valid_until": "\nValable jusqu'au {until}.",
        "more": "\nPlus d'informations : {link}",
        "broadcast_intro": "La mairie {de_commune} informe les habitants ({level}, {label}) :",
        "broadcast_link": "Lire l'annonce",
        "broadcast_subject": "[Vigie] Mairie {de_commune} — {level} : {title}",
        "broadcast_sms": "MAIRIE {commune} - {level} : {title}. {body}",
        "safety_intro": "La mairie {de_commune} prend des nouvelles des habitants :",
        "safety_how": "Répondez d'un geste dans l'application : « Tout va bien » ou « J'ai besoin d'aide ». "
                      "Vous pouvez aussi répondre OUI ou AIDE au SMS de la mairie.",
        "safety_link": "Répondre",
        "safety_body": "Touchez pour répondre : « Tout va bien » ou « J'ai besoin d'aide ».",
        "safety_sms": "MAIRIE {commune} : {question} Repondez OUI si tout va bien, AIDE si vous avez besoin d'aide.",
        "ack_title": "La mairie {de_commune} a pris en compte votre alerte",
    },
    "en": {
        "title": "{commune} town hall: {title}",
        "valid_until": "\nValid until {until}.",
        "more": "\nMore information: {link}",
        "broadcast_intro": "The {commune} town hall informs residents ({level}, {label}):",
        "broadcast_link": "Read the announcement",
        "broadcast_subject": "[Vigie] {commune} town hall — {level}: {title}",
        "broadcast_sms": "TOWN HALL {commune} - {level}: {title}. {body}",
        "safety_intro": "The {commune} town hall is checking on residents:",
        "safety_how": "Answer with one tap in the app: “I'm fine” or “I need help”. "
                      "You can also answer OUI (I'm fine) or AIDE (I need help) to the town hall's SMS.",
        "safety_link": "Answer",
        "safety_body": "Tap to answer: “I'm fine” or “I need help”.",
        "safety_sms": "TOWN HALL {commune}: {question} Reply OUI if you are fine, AIDE if you need help.",
        "ack_title": "The {commune} town hall has acknowledged your alert",
    },
}


def _phrases(locale: str, commune_name: str) -> Callable[..., str]:
    """`say(key, **values)` in `locale`, the commune already filled in."""
    return phrasebook(TEXTS, locale, commune=commune_name, de_commune=de(commune_name, proper=True))


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
    say = _phrases(locale, commune_name)
    validity = say("valid_until", until=moment_in_figures(until, locale)) if until else ""
    link = say("more", link=row["link"]) if row.get("link") else ""
    text, page = _mail(say("broadcast_intro", level=level, label=label), row["title"], row["body"] + validity + link,
                       say("broadcast_link"), locale)
    title = say("title", title=row["title"])
    subject = say("broadcast_subject", level=level, title=row["title"])
    sms = say("broadcast_sms", level=level, title=row["title"], body=row["body"])
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

    async def audience(self, ref_id: int) -> tuple[Audience, FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        return Members((await areas_of(BROADCAST_KIND, [ref_id]))[ref_id]), plan_of(row)

    async def settle(self, ref_id: int, plan: FanoutPlan, queued: Mapping[str, int]) -> None:
        """The SMS queued by the fan-out replace the reservation made when it was sent."""
        row = await Broadcast.select(Broadcast.commune, Broadcast.sms_segments).where(Broadcast.id == ref_id).first()
        if row is not None:
            await spend_sms(row["commune"], BROADCAST_KIND, ref_id, queued, plan, row["sms_segments"])

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
    locale = supported(locale)
    say = _phrases(locale, commune_name)
    question = check["question"]
    title = say("title", title=question)
    text, page = _mail(say("safety_intro"), question, say("safety_how"), say("safety_link"), locale)
    return Notice(
        title=title, body=say("safety_body"), url=f"/#/mairie/controle/{check['id']}", tag=f"safety-{check['id']}",
        event="safety_check", ref_id=check["id"], urgent=True, community=commune_name, ttl=12 * 3600,
        urgency="high", email_subject=f"[Vigie] {title}", email_text=text, email_html=page,
        sms_text=say("safety_sms", question=question),
    )


class SafetyNotice:
    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        return await SafetyCheck.select().where((SafetyCheck.id == ref_id) & (SafetyCheck.status == "open")).first()

    async def audience(self, ref_id: int) -> tuple[Audience, FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        asked = {r["user"] for r in await SafetyAnswer.select(SafetyAnswer.user).where(SafetyAnswer.safety_check == ref_id)}
        area = (await areas_of(SAFETY_KIND, [ref_id]))[ref_id]
        return Members(area, only=frozenset(asked)), urgent_plan(row["channels"].split(","), True)

    async def settle(self, ref_id: int, plan: FanoutPlan, queued: Mapping[str, int]) -> None:
        """The SMS queued by the fan-out replace the reservation made when the check opened."""
        row = await SafetyCheck.select(SafetyCheck.commune, SafetyCheck.sms_segments).where(
            SafetyCheck.id == ref_id).first()
        if row is not None:
            await spend_sms(row["commune"], SAFETY_KIND, ref_id, queued, plan, row["sms_segments"])

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
        title = _phrases(locale, row["commune.name"])("ack_title")
        return Notice(title=title,
                      body=row["alert.title"], url=f"/#/alertes/{alert_id}", tag=f"alert-{alert_id}",
                      event="alert_acknowledged", ref_id=alert_id, ttl=24 * 3600, urgency="low")
