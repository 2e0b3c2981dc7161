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
"""

from __future__ import annotations

from typing import Any

from backend.delivery.kinds import Notice
from backend.delivery.service import FanoutPlan, Recipient, user_recipients
from backend.lib.i18n import supported
from backend.settings import Settings
from backend.register.episodes import KINDS, KINDS_EN, NO_ANSWER_KIND, QUESTION_KIND
from backend.register.service import CONFIRM_KIND
from backend.register.tables import EpisodeCheck, EpisodeDay, RegisterContact, RegisterEntry, VolunteerAssignment

URGENT = FanoutPlan(channels=("push", "sms"), urgent=True, follow_channels=False)


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
        town = row["commune.name"]
        if supported(locale) == "en":
            return Notice(
                url="/#/registre", tag=f"register-confirm-{ref_id}", event=CONFIRM_KIND, ref_id=ref_id,
                title="The town hall's register: do you agree?", ttl=7 * 24 * 3600,
                body=(f"{who} registered you on {town}'s register of fragile people (heatwave, cold). Nothing "
                      "starts without your consent: accept or decline in Vigie."),
                sms_text=(f"Vigie: {who} registered you on {town}'s register of fragile people: during a heatwave "
                          "or extreme cold the town hall will ask for news. Reply OUI to accept, NON to decline."))
        return Notice(
            url="/#/registre", tag=f"register-confirm-{ref_id}", event=CONFIRM_KIND, ref_id=ref_id,
            title="Registre de la mairie : êtes-vous d'accord ?", ttl=7 * 24 * 3600,
            body=(f"{who} vous a inscrit(e) au registre des personnes fragiles de {town} (canicule, grand froid). "
                  "Rien ne commence sans votre accord : acceptez ou refusez dans Vigie."),
            sms_text=(f"Vigie : {who} vous a inscrit(e) au registre des personnes fragiles de {town} : en cas de "
                      "canicule ou de grand froid, la mairie prendra de vos nouvelles. Répondez OUI pour accepter, "
                      "NON pour refuser."))


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
        if supported(locale) == "en":
            kind = KINDS_EN[row["episode.kind"]]
            return Notice(title="Are you OK?", body=f"{kind}: the town hall of {town} asks for your news. "
                          "Tap “I'm fine” or “I need help”.", **base,
                          sms_text=f"Vigie, town hall of {town} ({kind.lower()}): are you OK? Reply OK to this SMS. "
                                   "Emergency: 112.")
        kind = KINDS[row["episode.kind"]]
        return Notice(title="Tout va bien ?", body=f"{kind} : la mairie de {town} prend de vos nouvelles. "
                      "Appuyez sur « Tout va bien » ou « J'ai besoin d'aide ».", **base,
                      sms_text=f"Vigie, mairie de {town} ({kind.lower()}) : tout va bien ? Répondez OK à ce SMS. "
                               "Urgence : 112.")


class NoAnswerNotice:
    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        row = await EpisodeCheck.select(
            EpisodeCheck.id, EpisodeCheck.entry, EpisodeCheck.state, EpisodeCheck.episode.status,
            EpisodeCheck.episode.kind, EpisodeCheck.entry.first_name, EpisodeCheck.entry.last_name,
            EpisodeCheck.entry.address, EpisodeCheck.entry.phone, EpisodeCheck.entry.health_notes,
            EpisodeCheck.entry.commune.name,
        ).where(EpisodeCheck.id == ref_id).first()
        return row if row and row["state"] == "no_answer" and row["episode.status"] == "open" else None

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
        if supported(locale) == "en":
            kind = KINDS_EN[row["episode.kind"]].lower()
            return Notice(title=f"No answer from {name}",
                          body=f"{name} has not answered the town hall ({kind}). Address: {address}. Phone {phone}."
                               + (f" Note: {notes}" if notes else "") + " Call or go and see; emergency: 112.",
                          sms_text=f"VIGIE register: no answer from {name} ({kind}). {address}. Phone {phone}. "
                                   "Please call or go and see. Emergency: 112.", **base)
        kind = KINDS[row["episode.kind"]].lower()
        return Notice(title=f"Pas de réponse de {name}",
                      body=f"{name} n'a pas répondu à la mairie ({kind}). Adresse : {address}. Tél. {phone}."
                           + (f" Note : {notes}" if notes else "") + " Appelez ou passez voir ; urgence : 112.",
                      sms_text=f"VIGIE registre : pas de réponse de {name} ({kind}). {address}. Tél. {phone}. "
                               "Merci d'appeler ou de passer voir. Urgence : 112.", **base)
