"""What the check-in notifications say, and to whom (registered with the delivery machinery).

Every notification's `ref_id` is the history event that caused it, so each reminder, alert,
"je passe voir" and "tout va bien" has its own delivery records. The missed check-in carries the
person's address and note: it goes only to the watchers who accepted (or, if none is left, to
the community's referents), and not at all once the check-in is stopped or the period closed,
nor for a check-in the person has not confirmed. The consent request asks the person whom a
referent set a check-in up for to confirm it (push, and an SMS to answer OUI or NON).
"""

from __future__ import annotations

from typing import Any

from backend.communities.tables import Membership, MembershipStatus
from backend.delivery.kinds import Notice
from backend.delivery.service import LOCAL_TZ, FanoutPlan, Recipient, community_recipients
from backend.lib.i18n import supported
from backend.lib.templates import render_notice
from backend.settings import Settings
from backend.checkins.service import (
    CONSENT_KIND, GOING_KIND, INVITE_KIND, MISSED_KIND, REMINDER_KIND, RESOLVED_KIND, address_of, full_name,
)
from backend.checkins.tables import CheckinEvent, CheckinWatcher

URGENT_PLAN = FanoutPlan(channels=("push", "sms"), urgent=True, follow_channels=False)

_COLUMNS = (
    CheckinEvent.id, CheckinEvent.type, CheckinEvent.checkin, CheckinEvent.round, CheckinEvent.actor,
    CheckinEvent.subject, CheckinEvent.note, CheckinEvent.actor.first_name, CheckinEvent.actor.last_name,
    CheckinEvent.checkin.community, CheckinEvent.checkin.community.name, CheckinEvent.checkin.person,
    CheckinEvent.checkin.person.first_name, CheckinEvent.checkin.person.last_name,
    CheckinEvent.checkin.person.address_line1, CheckinEvent.checkin.person.address_line2,
    CheckinEvent.checkin.person.postal_code, CheckinEvent.checkin.person.city, CheckinEvent.checkin.person.phone,
    CheckinEvent.checkin.check_time, CheckinEvent.checkin.every_days, CheckinEvent.checkin.grace_minutes,
    CheckinEvent.checkin.note, CheckinEvent.checkin.stopped_at, CheckinEvent.round.due_at, CheckinEvent.round.state,
    CheckinEvent.checkin.person_confirmation,
)


async def _event(ref_id: int, type_: str, round_states: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """The event, its check-in and person; None when there is nothing (left) to say."""
    row = await CheckinEvent.select(*_COLUMNS).where(CheckinEvent.id == ref_id).first()
    if row is None or row["type"] != type_ or row["checkin.stopped_at"] is not None:
        return None
    if round_states is not None and row["round.state"] not in round_states:
        return None
    return row


async def _recipients(community_id: int, user_ids: set[int]) -> list[Recipient]:
    """Those of `user_ids` still active in the community, with their devices and preferences."""
    if not user_ids:
        return []
    return [r for r in await community_recipients([community_id], None) if r.user_id in user_ids]


async def _watchers(checkin_id: int, exclude: int | None = None) -> set[int]:
    rows = await CheckinWatcher.select(CheckinWatcher.user).where(
        (CheckinWatcher.checkin == checkin_id) & (CheckinWatcher.status == "accepted"))
    return {r["user"] for r in rows} - {exclude}


async def _referents(community_id: int) -> set[int]:
    rows = await Membership.select(Membership.user).where(
        (Membership.community == community_id) & (Membership.role == "referent")
        & (Membership.status == MembershipStatus.ACTIVE))
    return {r["user"] for r in rows}


async def _other_watchers(ref_id: int, type_: str, round_states: tuple[str, ...] | None = None
                          ) -> tuple[list[Recipient], FanoutPlan] | None:
    """The accepted watchers but the one who acted, urgently on push and SMS."""
    row = await _event(ref_id, type_, round_states)
    if row is None:
        return None
    return await _recipients(row["checkin.community"], await _watchers(row["checkin"], row["actor"])), URGENT_PLAN


def _person(row: dict[str, Any]) -> str:
    return full_name(row, "checkin.person")


def _base(row: dict[str, Any], kind: str, **kw: Any) -> Notice:
    checkin_id = row["checkin"]
    return Notice(url=f"/#/veille/{checkin_id}", tag=f"checkin-{checkin_id}", event=kind, ref_id=row["id"],
                  community=row["checkin.community.name"], **kw)


def _due(row: dict[str, Any]) -> str:
    return row["round.due_at"].astimezone(LOCAL_TZ).strftime("%H:%M") if row["round.due_at"] else row[
        "checkin.check_time"]


class ReminderNotice:
    """To the person at the hour: push and SMS (they chose this service), quiet hours respected."""

    states = ("reminded",)

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await _event(ref_id, "reminded", self.states)
        if row is None:
            return None
        recipients = await _recipients(row["checkin.community"], {row["checkin.person"]})
        return recipients, FanoutPlan(channels=("push", "sms"), urgent=False, follow_channels=False)

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _event(ref_id, "reminded", self.states)
        if row is None:
            return None
        first = row["checkin.person.first_name"]
        if supported(locale) == "en":  # the SMS answer word stays OK, which the inbound commands read
            return _base(
                row, REMINDER_KIND, title="Are you OK?",
                body=f"It is time for your {_due(row)} check-in. Tap “I'm fine” or answer OK to the SMS.",
                ttl=max(600, row["checkin.grace_minutes"] * 60), urgency="high",
                sms_text=f"Vigie: hello {first}, are you OK? Answer OK to this SMS ({_due(row)} check-in).",
            )
        return _base(
            row, REMINDER_KIND, title="Tout va bien ?",
            body=f"C'est l'heure de votre rendez-vous de {_due(row)}. Appuyez sur « Je vais bien » "
                 "ou répondez OK au SMS.",
            ttl=max(600, row["checkin.grace_minutes"] * 60), urgency="high",
            sms_text=f"Vigie : bonjour {first}, tout va bien ? Répondez OK à ce SMS (rendez-vous de {_due(row)}).",
        )


class MissedNotice:
    """To the accepted watchers after the grace period: urgent, push and SMS, address and note."""

    states = ("escalated", "someone_going")

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await _event(ref_id, "escalated", self.states)
        if row is None or row["checkin.person_confirmation"] != "confirmed":
            return None
        people = await _watchers(row["checkin"]) or await _referents(row["checkin.community"])
        return await _recipients(row["checkin.community"], people), URGENT_PLAN

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _event(ref_id, "escalated", self.states)
        if row is None or row["checkin.person_confirmation"] != "confirmed":  # never on someone else's word
            return None
        name, first = _person(row), row["checkin.person.first_name"]
        address = address_of(row, "checkin.person")
        note = row["checkin.note"]
        phone = row["checkin.person.phone"]
        # Caught up after the workers were down: the event says since when ("depuis le mardi…").
        since = row["note"].removeprefix("Pas de nouvelles ") if row["note"].startswith("Pas de nouvelles ") else ""
        if supported(locale) == "en":
            what = (f"{first} has given no news for a while (missed check-ins)" if since
                    else f"{first} did not answer their {_due(row)} check-in")
            return _base(
                row, MISSED_KIND, title=f"No news from {name}", urgent=True, ttl=6 * 3600, urgency="high",
                body=(f"{what}. Address: {address}. Phone {phone}." + (f" Note: {note}" if note else "")
                      + " Tap “I'm going to see” if you go."),
                sms_text=(f"VIGIE check-in: no news from {name} ({'missed check-ins' if since else _due(row)}). "
                          f"{address}. Phone {phone}." + (f" {note}" if note else "") + " If you go: “I'm going to see”."),
            )
        what = f"{first} n'a pas donné de nouvelles {since}" if since else (
            f"{first} n'a pas répondu à son rendez-vous de {_due(row)}")
        return _base(
            row, MISSED_KIND, title=f"Pas de nouvelles de {name}", urgent=True, ttl=6 * 3600, urgency="high",
            body=(f"{what}. Adresse : {address}. "
                  f"Tél. {phone}." + (f" Note : {note}" if note else "")
                  + " Indiquez « Je passe voir » si vous y allez."),
            sms_text=(f"VIGIE veille : pas de nouvelles de {name} {since or 'depuis ' + _due(row)}. {address}. "
                      f"Tél. {phone}." + (f" {note}" if note else "") + " Si vous y allez : « Je passe voir »."),
        )


class GoingNotice:
    """"Je passe voir": the other watchers know someone is going."""

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        return await _other_watchers(ref_id, "someone_going", ("someone_going",))

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _event(ref_id, "someone_going", ("someone_going",))
        if row is None:
            return None
        who = full_name(row, "actor")
        if supported(locale) == "en":
            return _base(row, GOING_KIND, title=f"{who} is going to see {row['checkin.person.first_name']}",
                         body=f"{who} tapped “I'm going to see”: no need for everyone to go.", urgent=True,
                         ttl=3 * 3600, urgency="high", sms_text=f"VIGIE check-in: {who} is going to see {_person(row)}.")
        return _base(row, GOING_KIND, title=f"{who} passe voir {row['checkin.person.first_name']}",
                     body=f"{who} a indiqué « Je passe voir » : inutile d'y aller tous.", urgent=True,
                     ttl=3 * 3600, urgency="high",
                     sms_text=f"VIGIE veille : {who} passe voir {_person(row)}.")


class ResolvedNotice:
    """"Tout va bien" after an alert: the watchers can stand down."""

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        return await _other_watchers(ref_id, "resolved")

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _event(ref_id, "resolved")
        if row is None:
            return None
        who = full_name(row, "actor")
        name = _person(row)
        by = "" if row["actor"] == row["checkin.person"] else f" ({who})"
        if supported(locale) == "en":
            return _base(row, RESOLVED_KIND, title=f"{name} is fine", body=f"{row['note']}{by}",
                         urgent=True, ttl=6 * 3600, urgency="high",
                         sms_text=f"VIGIE check-in: {name} is fine{by}. {row['note']}")
        return _base(row, RESOLVED_KIND, title=f"Tout va bien pour {name}", body=f"{row['note']}{by}",
                     urgent=True, ttl=6 * 3600, urgency="high",
                     sms_text=f"VIGIE veille : tout va bien pour {name}{by}. {row['note']}")


class InviteNotice:
    """To a neighbour asked to watch (their usual channels): who and when, no address nor note."""

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await _event(ref_id, "watcher_invited")
        if row is None:
            return None
        still = await CheckinWatcher.count().where((CheckinWatcher.checkin == row["checkin"])
                                                   & (CheckinWatcher.user == row["subject"])
                                                   & (CheckinWatcher.status == "invited"))
        if not still:
            return None
        return await _recipients(row["checkin.community"], {row["subject"]}), FanoutPlan(channels=("push", "email"))

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _event(ref_id, "watcher_invited")
        if row is None:
            return None
        name, inviter = _person(row), full_name(row, "actor")
        locale = supported(locale)
        when = _rhythm(row, locale)
        community = row["checkin.community.name"]
        if locale == "en":
            asked = (f"{name} asks you to join their check-in circle" if row["actor"] == row["checkin.person"]
                     else f"{inviter} asks you to join {name}'s check-in circle")
            mail = dict(asked=asked, community=community, name=name, when=when)
            return _base(row, INVITE_KIND, title=f"Watch over {name}?",
                         body=f"{asked}: news {when}. Accept or decline in Vigie.",
                         email_subject=f"[Vigie] Watch over {name}?",
                         email_text=render_notice("email/checkin_invitation.txt", "en", **mail),
                         email_html=render_notice("email/checkin_invitation.html", "en", **mail))
        if row["actor"] == row["checkin.person"]:
            asked = f"{name} vous propose de faire partie de sa veille solidaire"
        else:
            asked = f"{inviter} vous propose de faire partie de la veille solidaire de {name}"
        mail = dict(asked=asked, community=community, name=name, when=when)
        return _base(row, INVITE_KIND, title=f"Veiller sur {name} ?",
                     body=f"{asked} : des nouvelles {when}. Acceptez ou refusez dans Vigie.",
                     email_subject=f"[Vigie] Veiller sur {name} ?",
                     email_text=render_notice("email/checkin_invitation.txt", **mail),
                     email_html=render_notice("email/checkin_invitation.html", **mail))


def _rhythm(row: dict[str, Any], locale: str = "fr") -> str:
    every = row["checkin.every_days"]
    if locale == "en":
        rhythm = "every day" if every == 1 else ("every week" if every == 7 else f"every {every} days")
        return f"{rhythm} at {row['checkin.check_time']}"
    rhythm = "chaque jour" if every == 1 else ("chaque semaine" if every == 7 else f"tous les {every} jours")
    return f"{rhythm} à {row['checkin.check_time']}"


class ConsentNotice:
    """To the person a referent set a check-in up for: what it is, who would see what; confirm in
    the app or answer OUI / NON by SMS (push and SMS whatever their choices, quiet hours respected)."""

    async def _row(self, ref_id: int) -> dict[str, Any] | None:
        row = await _event(ref_id, "confirmation_asked")
        return row if row is not None and row["checkin.person_confirmation"] == "pending" else None

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        recipients = await _recipients(row["checkin.community"], {row["checkin.person"]})
        return recipients, FanoutPlan(channels=("push", "sms"), urgent=False, follow_channels=False)

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await self._row(ref_id)
        if row is None:
            return None
        who = full_name(row, "actor")
        watchers = await CheckinWatcher.count().where((CheckinWatcher.checkin == row["checkin"])
                                                      & CheckinWatcher.status.is_in(["invited", "accepted"]))
        if supported(locale) == "en":  # the SMS answer words stay OUI / NON, which the inbound commands read
            return Notice(
                url="/#/veille", tag=f"checkin-consent-{row['checkin']}", event=CONSENT_KIND, ref_id=row["id"],
                community=row["checkin.community.name"], title="A check-in circle for you?", ttl=7 * 24 * 3600,
                body=(f"{who} suggests that {watchers} neighbours watch over you ({_rhythm(row, 'en')}). Nothing "
                      "starts, and nobody gets your address or phone, without your consent: accept or decline in Vigie."),
                sms_text=(f"Vigie: {who} suggests a check-in circle for you ({_rhythm(row, 'en')}, {watchers} "
                          "neighbours). If you accept, these neighbours and the neighbourhood's referents will see your "
                          "address, phone and the note. Reply OUI to accept, NON to decline."),
            )
        return Notice(
            url="/#/veille", tag=f"checkin-consent-{row['checkin']}", event=CONSENT_KIND, ref_id=row["id"],
            community=row["checkin.community.name"], title="Une veille solidaire pour vous ?", ttl=7 * 24 * 3600,
            body=(f"{who} propose que {watchers} voisins veillent sur vous ({_rhythm(row)}). Rien ne commence, "
                  "et personne ne reçoit votre adresse ni votre téléphone, sans votre accord : acceptez ou refusez "
                  "dans Vigie."),
            sms_text=(f"Vigie : {who} propose une veille solidaire pour vous ({_rhythm(row)}, {watchers} voisins). "
                      "Si vous acceptez, ces voisins et les référents du quartier verront votre adresse, votre "
                      "téléphone et la note. Répondez OUI pour accepter, NON pour refuser."),
        )
