"""What the register's notifications say, and to whom (registered with the delivery machinery).

- `register_confirm` (ref: the entry): to the person a relative registered, push and SMS —
  accept in the app or answer OUI / NON — while the entry is still pending.
- `register_question` (ref: the episode day): « Tout va bien ? » to every person asked that day who
  has a Vigie account, by the channel they chose (app: push only; SMS: SMS only, answer OK); still
  unanswered ones only. People to be called get no notice: they are on the board and their
  volunteers' list.
- `register_no_answer` (ref: the check): urgent, push and SMS, to the people the person named (with
  a Vigie account) and the volunteers assigned to them, with the address and phone — only while
  the question is still unanswered and the episode open.
- `register_contact` (ref: the check): the same moment, one SMS to each named contact without an
  account who has a mobile (delivery rows with a phone, no user): who, the mairie's number, where —
  never the health notes; at most 2 segments; counted in the commune's SMS budget. Landlines are not
  texted (the board says « à appeler (fixe) »).
- `register_all_clear` (ref: the check): the person answered after the alert — to everyone who was
  alerted (members and volunteers on the channels that reached them, contacts by SMS), once.
"""

from __future__ import annotations

from typing import Any

import phonenumbers

from backend.delivery.channels.sms import fit_sms, sms_segments
from backend.delivery.kinds import Notice
from backend.delivery.service import DeliveryState, FanoutPlan, Recipient, user_recipients
from backend.delivery.tables import Delivery
from backend.lib.i18n import phrasebook, supported
from backend.lib.phones import parse_phone
from backend.lib.sql import placeholders
from backend.mairie.area import count_sms
from backend.settings import Settings
from backend.register.episodes import (ALL_CLEAR_KIND, ANSWERED, CONTACT_KIND, KINDS, KINDS_EN, NO_ANSWER_KIND,
                                       QUESTION_KIND)
from backend.register.service import CONFIRM_KIND, texted_automatically
from backend.register.tables import EpisodeCheck, EpisodeDay, RegisterContact, RegisterEntry, VolunteerAssignment

URGENT = FanoutPlan(channels=("push", "sms"), urgent=True, follow_channels=False)
KIND_NAMES = {"fr": KINDS, "en": KINDS_EN}  # by locale
# What the notices say, by locale. The SMS keywords stay OUI / NON / OK in every language: the inbound
# SMS commands read those.
TEXTS = {
    "fr": {
        "confirm_title": "Registre de la mairie : êtes-vous d'accord ?",
        "confirm_body": "{who} vous a inscrit(e) au registre des personnes fragiles de {town} (canicule, grand froid). "
                        "Rien ne commence sans votre accord : acceptez ou refusez dans Vigie.",
        "confirm_sms": "Vigie : {who} vous a inscrit(e) au registre des personnes fragiles de {town} : en cas de "
                       "canicule ou de grand froid, la mairie prendra de vos nouvelles. Répondez OUI pour accepter, "
                       "NON pour refuser.",
        "question_title": "Tout va bien ?",
        "question_body": "{kind} : la mairie de {town} prend de vos nouvelles. "
                         "Appuyez sur « Tout va bien » ou « J'ai besoin d'aide ».",
        "question_sms": "Vigie, mairie de {town} ({kind_lower}) : tout va bien ? Répondez OK à ce SMS. Urgence : 112.",
        "no_answer_title": "Pas de réponse de {name}",
        "no_answer_body": "{name} n'a pas répondu à la mairie ({kind_lower}). Adresse : {address}. Tél. {phone}.{note} "
                          "Appelez ou passez voir ; urgence : 112.",
        "note": " Note : {notes}",
        "no_answer_sms": "VIGIE registre : pas de réponse de {name} ({kind_lower}). {address}. Tél. {phone}. "
                         "Merci d'appeler ou de passer voir. Urgence : 112.",
        "call_on": "appelez la mairie au {callback}",
        "call": "appelez la mairie",
        "contact_sms": "Mairie de {town} ({kind_lower}) : {name} n'a pas répondu à l'appel du jour ; vous êtes la "
                       "personne à prévenir. Prenez de ses nouvelles puis {call}. Urgence 112. Adresse : {address}",
        "fine_title": "{name} a répondu : tout va bien",
        "fine_body": "{name} a répondu à la mairie de {town} : tout va bien. Merci de votre attention.",
        "help_title": "{name} a répondu : a besoin d'aide",
        "help_body": "{name} a répondu à la mairie de {town} et a besoin d'aide : la mairie s'en occupe.",
    },
    "en": {
        "confirm_title": "The town hall's register: do you agree?",
        "confirm_body": "{who} registered you on {town}'s register of fragile people (heatwave, cold). Nothing "
                        "starts without your consent: accept or decline in Vigie.",
        "confirm_sms": "Vigie: {who} registered you on {town}'s register of fragile people: during a heatwave "
                       "or extreme cold the town hall will ask for news. Reply OUI to accept, NON to decline.",
        "question_title": "Are you OK?",
        "question_body": "{kind}: the town hall of {town} asks for your news. Tap “I'm fine” or “I need help”.",
        "question_sms": "Vigie, town hall of {town} ({kind_lower}): are you OK? Reply OK to this SMS. Emergency: 112.",
        "no_answer_title": "No answer from {name}",
        "no_answer_body": "{name} has not answered the town hall ({kind_lower}). Address: {address}. Phone {phone}.{note} "
                          "Call or go and see; emergency: 112.",
        "note": " Note: {notes}",
        "no_answer_sms": "VIGIE register: no answer from {name} ({kind_lower}). {address}. Phone {phone}. "
                         "Please call or go and see. Emergency: 112.",
        "call_on": "call the town hall on {callback}",
        "call": "call the town hall",
        "contact_sms": "Town hall of {town} ({kind_lower}): {name} has not answered today's call; you are the person "
                       "to contact. Please get news of them, then {call}. Emergency 112. Address: {address}",
        "fine_title": "{name} answered: all is well",
        "fine_body": "{name} has answered the town hall of {town}: all is well. Thank you.",
        "help_title": "{name} answered: needs help",
        "help_body": "{name} has answered the town hall of {town} and needs help: the town hall is seeing to it.",
    },
}


def _phrases(locale: str, row: dict[str, Any], kind_column: str = "episode.kind", **common: Any) -> Any:
    """`say(key, **values)` in `locale`, the episode's kind (« Canicule », « canicule ») filled in."""
    locale = supported(locale)
    kind = KIND_NAMES[locale][row[kind_column]] if kind_column in row else ""
    return phrasebook(TEXTS, locale, kind=kind, kind_lower=kind.lower(), **common)


class ConfirmNotice:
    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        row = await RegisterEntry.select(
            RegisterEntry.id, RegisterEntry.person, RegisterEntry.status, RegisterEntry.commune.name,
            RegisterEntry.registered_by.first_name, RegisterEntry.registered_by.last_name,
        ).where(RegisterEntry.id == ref_id).first()
        return row if row and row["status"] == "pending" and row["person"] else None

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        return await user_recipients([row["person"]]), FanoutPlan(channels=("push", "sms"), follow_channels=False)

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        who = f"{row['registered_by.first_name']} {row['registered_by.last_name']}".strip()
        say = phrasebook(TEXTS, locale, who=who, town=row["commune.name"])
        return Notice(
            url="/#/registre", tag=f"register-confirm-{ref_id}", event=CONFIRM_KIND, ref_id=ref_id,
            title=say("confirm_title"), ttl=7 * 24 * 3600, body=say("confirm_body"), sms_text=say("confirm_sms"))

class QuestionNotice:
    async def _day(self, ref_id: int) -> dict[str, Any] | None:
        row = await EpisodeDay.select(
            EpisodeDay.id, EpisodeDay.episode, EpisodeDay.day, EpisodeDay.episode.status, EpisodeDay.episode.kind,
            EpisodeDay.episode.title, EpisodeDay.episode.commune.name,
        ).where(EpisodeDay.id == ref_id).first()
        return row if row and row["episode.status"] == "open" else None

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await self._day(ref_id)
        if row is None:
            return None
        asked = await EpisodeCheck.select(EpisodeCheck.channel, EpisodeCheck.entry.person).where(
            (EpisodeCheck.episode == row["episode"]) & (EpisodeCheck.day == row["day"])
            & (EpisodeCheck.state == "asked") & EpisodeCheck.channel.is_in(["app", "sms"])
            & EpisodeCheck.entry.person.is_not_null())
        channel = {r["entry.person"]: r["channel"] for r in asked}
        # Each by the channel they chose: push only, or SMS only (their other settings aside).
        recipients = [r._replace(push=channel[r.user_id] == "app", sms=channel[r.user_id] == "sms", email=False)
                      for r in await user_recipients(sorted(channel))]
        return recipients, FanoutPlan(channels=("push", "sms"), urgent=False, follow_channels=True)

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._day(ref_id)
        if row is None:
            return None
        town = row["episode.commune.name"]
        base = dict(url="/#/registre", tag=f"register-question-{ref_id}", event=QUESTION_KIND, ref_id=ref_id,
                    community=town, ttl=12 * 3600, urgency="high")
        say = _phrases(locale, row, town=town)
        return Notice(title=say("question_title"), body=say("question_body"), sms_text=say("question_sms"), **base)

async def _unanswered(ref_id: int, *more: Any) -> dict[str, Any] | None:
    """The check `ref_id` with its person and episode (and the `more` columns), while it is still
    unanswered and the episode open; else None (nothing to send)."""
    row = await EpisodeCheck.select(
        EpisodeCheck.id, EpisodeCheck.entry, EpisodeCheck.state, EpisodeCheck.episode.status,
        EpisodeCheck.episode.kind, EpisodeCheck.entry.first_name, EpisodeCheck.entry.last_name,
        EpisodeCheck.entry.address, EpisodeCheck.entry.commune, EpisodeCheck.entry.commune.name, *more,
    ).where(EpisodeCheck.id == ref_id).first()
    return row if row and row["state"] == "no_answer" and row["episode.status"] == "open" else None


class NoAnswerNotice:
    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        return await _unanswered(ref_id, EpisodeCheck.entry.phone, EpisodeCheck.entry.health_notes)

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        contacts = await RegisterContact.select(RegisterContact.user).where(
            (RegisterContact.entry == row["entry"]) & RegisterContact.user.is_not_null())
        volunteers = await VolunteerAssignment.select(VolunteerAssignment.volunteer).where(
            (VolunteerAssignment.entry == row["entry"]) & (VolunteerAssignment.active == True))  # noqa: E712
        people = {r["user"] for r in contacts} | {r["volunteer"] for r in volunteers}
        return await user_recipients(sorted(people)), URGENT

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        name = f"{row['entry.first_name']} {row['entry.last_name']}".strip()
        phone, address, notes = row["entry.phone"], row["entry.address"], row["entry.health_notes"]
        base = dict(url="/#/registre/benevole", tag=f"register-no-answer-{ref_id}", event=NO_ANSWER_KIND,
                    ref_id=ref_id, urgent=True, ttl=6 * 3600, urgency="high", community=row["entry.commune.name"])
        say = _phrases(locale, row, name=name, address=address, phone=phone)
        return Notice(title=say("no_answer_title"),
                      body=say("no_answer_body", note=say("note", notes=notes) if notes else ""),
                      sms_text=say("no_answer_sms"), **base)

def _national(phone: str) -> str:
    """« 01 23 45 67 89 » for +33123456789 (as people dial it), the E.164 text for a number that does not parse."""
    number = parse_phone(phone) if phone else None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL) if number else phone


def _contact_sms(row: dict[str, Any], locale: str = "fr") -> str:
    """The contacts' SMS: who, what to do, the mairie's number, then the address (cut last if long);
    no health notes. At most 2 segments (`fit_sms`)."""
    name = f"{row['entry.first_name']} {row['entry.last_name']}".strip()
    town, callback = row["entry.commune.name"], _national(row["episode.callback_phone"] or "")
    say = _phrases(locale, row, name=name, town=town, address=row["entry.address"])
    text = say("contact_sms", call=say("call_on", callback=callback) if callback else say("call"))
    return fit_sms(text, "")


class ContactNotice:
    """`register_contact`: the named contacts without an account, by SMS (ref: the check)."""

    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        return await _unanswered(ref_id, EpisodeCheck.episode.callback_phone)

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        return None if await self._row(ref_id) is None else ([], URGENT)

    async def phones(self, ref_id: int) -> list[str]:
        """Their mobiles (landlines are left to the staff), counted in the commune's SMS budget."""
        row = await self._row(ref_id)
        if row is None:
            return []
        contacts = await RegisterContact.select(RegisterContact.phone, RegisterContact.user).where(
            RegisterContact.entry == row["entry"])
        phones = sorted({c["phone"] for c in contacts if texted_automatically(c)})
        await count_sms(row["entry.commune"], CONTACT_KIND, ref_id, len(phones) * sms_segments(_contact_sms(row)))
        return phones

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        name = f"{row['entry.first_name']} {row['entry.last_name']}".strip()
        title = phrasebook(TEXTS, locale)("no_answer_title", name=name)
        return Notice(title=title, body=_contact_sms(row, locale), url="", tag=f"register-contact-{ref_id}",
                      event=CONTACT_KIND, ref_id=ref_id, urgent=True, ttl=6 * 3600, urgency="high",
                      community=row["entry.commune.name"], sms_text=_contact_sms(row, locale))


class AllClearNotice:
    """`register_all_clear`: the person answered after the alert; to everyone alerted (ref: the check)."""

    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        row = await EpisodeCheck.select(
            EpisodeCheck.id, EpisodeCheck.state, EpisodeCheck.answered_via, EpisodeCheck.escalated_at,
            EpisodeCheck.episode.kind, EpisodeCheck.episode.callback_phone, EpisodeCheck.entry.first_name,
            EpisodeCheck.entry.last_name, EpisodeCheck.entry.commune.name,
        ).where(EpisodeCheck.id == ref_id).first()
        return row if row and row["state"] in ANSWERED and row["escalated_at"] is not None else None

    async def _alerted(self, kind: str, ref_id: int) -> list[dict[str, Any]]:
        """The delivery rows of the alert that went out (or are going), one query."""
        states = (DeliveryState.SENT, DeliveryState.SENDING)
        return await Delivery.raw(
            'SELECT "user" AS user_id, phone, channel FROM deliveries WHERE kind = {} AND ref_id = {} '
            f"AND state IN ({placeholders(len(states))})", kind, ref_id, *states)

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        if await self._row(ref_id) is None:
            return None
        reached: dict[int, set[str]] = {}
        for r in await self._alerted(NO_ANSWER_KIND, ref_id):
            reached.setdefault(r["user_id"], set()).add(r["channel"])
        # Each on the channels the alert reached them by.
        recipients = [r._replace(push="push" in reached[r.user_id], sms="sms" in reached[r.user_id], email=False)
                      for r in await user_recipients(sorted(reached))]
        return recipients, FanoutPlan(channels=("push", "sms"), urgent=True, follow_channels=True)

    async def phones(self, ref_id: int) -> list[str]:
        if await self._row(ref_id) is None:
            return []
        return sorted({r["phone"] for r in await self._alerted(CONTACT_KIND, ref_id) if r["user_id"] is None})

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        name = f"{row['entry.first_name']} {row['entry.last_name']}".strip()
        town, fine = row["entry.commune.name"], row["state"] == "ok"
        base = dict(url="/#/registre/benevole", tag=f"register-no-answer-{ref_id}", event=ALL_CLEAR_KIND,
                    ref_id=ref_id, ttl=6 * 3600, urgency="high", community=town)
        say = _phrases(locale, row, name=name, town=town)
        answer = "fine" if fine else "help"
        body = say(f"{answer}_body")
        return Notice(title=say(f"{answer}_title"), body=body, sms_text=f"VIGIE - {body}", **base)
