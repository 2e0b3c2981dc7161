"""Setting a check-in up (for oneself, or by a referent with the person's consent), the person's
own confirmation (in the app or by answering the consent SMS), changing, pausing and stopping it,
and its watchers: invited, accepting or declining, stepping down.

A referent's set-up is a proposal until the person confirms it: the check-in does not run, the
watchers are not invited (their invitations go out on confirmation) and nobody but the person
sees contact data the person's directory settings hide. Setting one's own check-in up is the
confirmation. Refusing stops it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Sequence

from msgspec import UNSET

from backend.auth.principal import Principal
from backend.communities.tables import Membership, MembershipStatus
from backend.db import write_transaction
from backend.delivery.service import LOCAL_TZ
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound
from backend.lib.queues import Queues
from backend.lib.text import unaccent
from backend.checkins import schedule
from backend.checkins.schemas import CheckinIn, CheckinOut, CheckinPatch
from backend.checkins.service import (
    OPEN_STATES, Notifications, access, ensure_running, full_name, load, record_event, record_notifying_event, roles_in,
)
from backend.checkins.tables import Checkin, CheckinRound, CheckinWatcher
from backend.checkins.views import checkin_out

CONFIRM_WORDS = {"OUI"}  # answers to the consent SMS
REFUSE_WORDS = {"NON"}

CONSENT_METHODS = {"oral": "oral", "ecrit": "écrit", "telephone": "téléphone"}
MAX_WATCHERS = 10


async def manageable(principal: Principal, checkin_id: int, refusal: str) -> dict[str, Any]:
    """The running check-in, for the person or a referent (403 with `refusal` for watchers)."""
    row, _ = await access(principal, checkin_id, {"person", "referent"}, refusal)
    ensure_running(row)
    return row


# Validation -----------------------------------------------------------------------------------

def parse_check_time(value: str) -> str:
    """"9:05" → "09:05"; 400 `invalid_time` otherwise."""
    try:
        parsed = datetime.strptime(value.strip(), "%H:%M")
    except ValueError:
        raise DomainError("Heure du rendez-vous invalide (format HH:MM, ex. 10:00).", "invalid_time") from None
    return parsed.strftime("%H:%M")


def parse_day(value: str, what: str) -> date:
    """An ISO date (AAAA-MM-JJ); 400 `invalid_date` otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(f"Date invalide pour {what} (format AAAA-MM-JJ).", "invalid_date") from None


def check_schedule(every_days: int, grace_minutes: int) -> None:
    """Every 1 to 7 days; 15 minutes to 12 hours before the watchers are alerted."""
    if not 1 <= every_days <= 7:
        raise DomainError("La fréquence doit être comprise entre 1 (chaque jour) et 7 jours (chaque semaine).",
                          "invalid_period")
    if not 15 <= grace_minutes <= 720:
        raise DomainError("Le délai avant d'alerter les voisins doit être compris entre 15 minutes et 12 heures.",
                          "invalid_grace")


def check_note(note: str) -> str:
    """The note for watchers, trimmed, 1000 characters at most."""
    note = note.strip()
    if len(note) > 1000:
        raise DomainError("La note est trop longue (1000 caractères au plus).", "invalid_note")
    return note


async def active_members(community_id: int, user_ids: Sequence[int]) -> dict[int, str]:
    """{user id: name} of those among `user_ids` who are active, unsuspended members of the community."""
    if not user_ids:
        return {}
    rows = await Membership.select(Membership.user, Membership.user.first_name, Membership.user.last_name).where(
        (Membership.community == community_id) & (Membership.status == MembershipStatus.ACTIVE)
        & Membership.user.is_in(list(user_ids)) & (Membership.user.is_suspended == False))  # noqa: E712
    return {r["user"]: full_name(r, "user") for r in rows}


def consent_values(principal: Principal, person_id: int, person_name: str, data: CheckinIn,
                   now: datetime) -> dict[str, Any]:
    """The consent columns: the person's own (in the app), or the one a referent records."""
    if person_id == principal.user_id:
        return dict(consent_method="app", consent_given_by=person_name, consent_at=now,
                    consent_recorded_by=principal.user_id, consent_detail="")
    consent = data.consent
    method = unaccent(consent.method).strip() if consent else ""
    if consent is None or method not in CONSENT_METHODS:
        raise DomainError("Indiquez comment la personne a donné son accord : oral, écrit ou téléphone.",
                          "consent_required")
    given_at = now
    if consent.given_at:
        try:
            given_at = datetime.fromisoformat(consent.given_at.strip())
        except ValueError:
            raise DomainError("Date de l'accord invalide (AAAA-MM-JJ).", "invalid_consent_date") from None
        if given_at.tzinfo is None:  # a date, or a wall-clock time in France
            given_at = given_at.replace(tzinfo=LOCAL_TZ)
        if given_at > now + timedelta(minutes=5) or given_at < now - timedelta(days=365):
            raise DomainError("La date de l'accord doit être dans l'année écoulée.", "invalid_consent_date")
    given_by = " ".join(consent.given_by.split())[:120] or person_name
    return dict(consent_method=method, consent_given_by=given_by, consent_at=given_at,
                consent_recorded_by=principal.user_id, consent_detail=consent.detail.strip()[:300])


async def check_watchers(community_id: int, person_id: int, ids: Sequence[int]) -> dict[int, str]:
    """The named neighbours may watch: active members of the community, not the person."""
    if person_id in ids:
        raise DomainError("La personne ne peut pas veiller sur elle-même.", "invalid_watchers")
    names = await active_members(community_id, ids)
    missing = [i for i in ids if i not in names]
    if missing:
        raise DomainError("Les voisins qui veillent doivent être membres actifs du même quartier.",
                          "invalid_watchers")
    return names


async def create_checkin(queues: Queues | None, principal: Principal, community_id: int,
                         data: CheckinIn) -> CheckinOut:
    """Set a check-in up and invite its watchers (two or more); active once two have accepted."""
    now = clock.now()
    person_id = data.person_id or principal.user_id
    if person_id != principal.user_id and not principal.is_referent(community_id):
        raise Forbidden("Seul un référent du quartier peut mettre en place une veille pour une autre personne.",
                        "referent_only")
    check_time = parse_check_time(data.check_time)
    check_schedule(data.every_days, data.grace_minutes)
    note = check_note(data.note)
    today = schedule.local_day(now)
    starts_on = parse_day(data.starts_on, "le début") if data.starts_on else today
    if not today <= starts_on <= today + timedelta(days=90):
        raise DomainError("Le début doit être aujourd'hui ou dans les trois mois.", "invalid_date")
    watcher_ids = list(dict.fromkeys(data.watcher_ids))
    if not 2 <= len(watcher_ids) <= MAX_WATCHERS:
        raise DomainError(f"Choisissez de 2 à {MAX_WATCHERS} voisins qui acceptent de veiller.", "invalid_watchers")
    person = await active_members(community_id, [person_id])
    if person_id not in person:
        raise DomainError("La personne doit être membre actif de ce quartier.", "invalid_person")
    await check_watchers(community_id, person_id, watcher_ids)
    consent = consent_values(principal, person_id, person[person_id], data, now)
    own = person_id == principal.user_id  # one's own set-up is the confirmation
    confirmation = dict(person_confirmation="confirmed", confirmed_at=now, confirmed_via="app") if own else dict(
        person_confirmation="pending", confirmed_at=None, confirmed_via="")
    pending = Notifications(queues)
    try:
        async with write_transaction():
            rows = await Checkin.insert(Checkin(
                community=community_id, person=person_id, created_by=principal.user_id, check_time=check_time,
                every_days=data.every_days, starts_on=starts_on, grace_minutes=data.grace_minutes, note=note,
                created_at=now, **consent, **confirmation)).returning(Checkin.id)
            checkin_id = rows[0]["id"]
            how = "" if consent["consent_method"] == "app" else (
                f"Accord {CONSENT_METHODS[consent['consent_method']]} de {consent['consent_given_by']}")
            await record_event(checkin_id, "created", actor=principal.user_id, subject=person_id, note=how)
            if not own:  # the person is asked (push and SMS); the watchers only once they confirm
                await record_notifying_event(checkin_id, "confirmation_asked", pending, actor=principal.user_id,
                                             subject=person_id)
            for watcher in watcher_ids:
                await CheckinWatcher.insert(CheckinWatcher(checkin=checkin_id, user=watcher,
                                                           invited_by=principal.user_id, invited_at=now))
                if own:
                    await record_notifying_event(checkin_id, "watcher_invited", pending, actor=principal.user_id,
                                                 subject=watcher)
    except Exception as exc:
        if "unique" in str(exc).lower():  # the partial unique index: one running check-in per person
            raise Conflict("Cette personne a déjà une veille en cours.", "checkin_exists") from None
        raise
    return await checkin_out(principal, checkin_id)


# The person's own confirmation ----------------------------------------------------------------

async def _answer_as_person(queues: Queues | None, row: dict[str, Any], accept: bool, via: str) -> bool:
    """Record the person's answer to a check-in set up for them; False when it was no longer
    waiting for one (already answered). Confirming invites the watchers; refusing stops it."""
    checkin_id, person = row["id"], row["person"]
    now = clock.now()
    pending = Notifications(queues)
    async with write_transaction():
        values: dict[Any, Any] = {Checkin.person_confirmation: "confirmed" if accept else "refused"}
        if accept:
            values.update({Checkin.confirmed_at: now, Checkin.confirmed_via: via})
        else:
            values.update({Checkin.stopped_at: now, Checkin.stopped_by: person,
                           Checkin.stop_reason: "Refusée par la personne"})
        updated = await Checkin.update(values).where(
            (Checkin.id == checkin_id) & (Checkin.person_confirmation == "pending") & Checkin.stopped_at.is_null()
        ).returning(Checkin.id)
        if not updated:
            return False
        await record_event(checkin_id, "person_confirmed" if accept else "person_refused", actor=person,
                           subject=person, source=via)
        if accept:  # the invitations held back until now go out
            invited = await CheckinWatcher.select(CheckinWatcher.user, CheckinWatcher.invited_by).where(
                (CheckinWatcher.checkin == checkin_id) & (CheckinWatcher.status == "invited")
            ).order_by(CheckinWatcher.id)
            for w in invited:
                await record_notifying_event(checkin_id, "watcher_invited", pending, actor=w["invited_by"],
                                             subject=w["user"])
        else:
            await CheckinWatcher.update({CheckinWatcher.status: "removed", CheckinWatcher.answered_at: now}).where(
                (CheckinWatcher.checkin == checkin_id) & CheckinWatcher.status.is_in(["invited", "accepted"]))
    return True


async def answer_as_person(queues: Queues | None, principal: Principal, checkin_id: int, accept: bool) -> CheckinOut:
    """The person accepts or refuses the check-in a referent set up for them (in the app)."""
    row, _ = await access(principal, checkin_id, {"person"},
                          "Seule la personne elle-même peut accepter ou refuser cette veille.")
    ensure_running(row)
    if row["person_confirmation"] != "pending":
        raise Conflict("Cette veille est déjà acceptée.", "checkin_already_confirmed")
    await _answer_as_person(queues, row, accept, "app")
    return await checkin_out(principal, checkin_id)


CONSENT_REPLIES = {
    "fr": ("Vigie : merci, votre veille solidaire est acceptée. Les voisins choisis sont invités à veiller sur vous.",
           "Vigie : c'est noté, cette veille n'aura pas lieu. Personne ne reçoit vos coordonnées."),
    "en": ("Vigie: thank you, your solidarity check-in is accepted. The neighbours chosen are invited to look "
           "after you.", "Vigie: noted, this check-in will not take place. Nobody receives your details."),
}
"""The SMS answering OUI / NON to a consent request: (accepted, refused), by language."""


async def answer_by_sms(queues: Queues | None, user_id: int, word: str, locale: str = "fr") -> str | None:
    """OUI / NON from a person whose check-in waits for their answer: the SMS reply; None when no
    check-in waits for them (the SMS is then handled as usual)."""
    if word not in CONFIRM_WORDS | REFUSE_WORDS:
        return None
    found = await Checkin.select(Checkin.id).where(
        (Checkin.person == user_id) & Checkin.stopped_at.is_null() & (Checkin.person_confirmation == "pending")
    ).first()
    if found is None:
        return None
    accept = word in CONFIRM_WORDS
    await _answer_as_person(queues, await load(found["id"]), accept, "sms")
    accepted, refused = CONSENT_REPLIES.get(locale, CONSENT_REPLIES["fr"])
    return accepted if accept else refused


async def update_checkin(principal: Principal, checkin_id: int, patch: CheckinPatch) -> CheckinOut:
    """The person or a referent changes the hour, the frequency, the grace period, the note, or pauses."""
    row = await manageable(principal, checkin_id, "Seuls la personne et les référents peuvent modifier cette veille.")
    now = clock.now()
    values: dict[Any, Any] = {}
    changes: list[str] = []
    if isinstance(patch.check_time, str) and parse_check_time(patch.check_time) != row["check_time"]:
        values[Checkin.check_time] = parse_check_time(patch.check_time)
        changes.append(f"heure {values[Checkin.check_time]}")
    every = row["every_days"] if patch.every_days is UNSET else patch.every_days
    grace = row["grace_minutes"] if patch.grace_minutes is UNSET else patch.grace_minutes
    check_schedule(every, grace)  # type: ignore[arg-type]
    if every != row["every_days"]:
        values[Checkin.every_days] = every
        values[Checkin.starts_on] = schedule.local_day(now)  # the new rhythm starts today
        changes.append("chaque jour" if every == 1 else f"tous les {every} jours")
    if grace != row["grace_minutes"]:
        values[Checkin.grace_minutes] = grace
        changes.append(f"délai {grace} min")
    if isinstance(patch.note, str) and check_note(patch.note) != row["note"]:
        values[Checkin.note] = check_note(patch.note)
        changes.append("note")
    event = "updated"
    if patch.paused_until is not UNSET:
        if patch.paused_until is None:
            values[Checkin.paused_until] = None
            event = "resumed"
        else:
            until = parse_day(patch.paused_until, "la fin de la pause")
            if not schedule.local_day(now) <= until <= schedule.local_day(now) + timedelta(days=120):
                raise DomainError("La pause se termine entre aujourd'hui et dans quatre mois.", "invalid_date")
            values[Checkin.paused_until] = until
            event = "paused"
            changes.append(f"jusqu'au {until:%d/%m/%Y}")
    if not values:
        return await checkin_out(principal, checkin_id)
    if row["watch_from"] is not None and (event == "resumed" or Checkin.check_time in values
                                          or Checkin.every_days in values):
        values[Checkin.watch_from] = now  # a period already due is not reminded at once
    async with write_transaction():
        await Checkin.update(values).where(Checkin.id == checkin_id)
        await record_event(checkin_id, event, actor=principal.user_id, note=", ".join(changes))
    return await checkin_out(principal, checkin_id)


async def stop_checkin(principal: Principal, checkin_id: int, reason: str) -> CheckinOut:
    """The person (withdrawing consent) or a referent stops the check-in; open periods are cancelled."""
    await manageable(principal, checkin_id, "Seuls la personne et les référents peuvent arrêter cette veille.")
    now = clock.now()
    reason = " ".join(reason.split())[:300]
    async with write_transaction():
        await Checkin.update({Checkin.stopped_at: now, Checkin.stopped_by: principal.user_id,
                              Checkin.stop_reason: reason}).where(Checkin.id == checkin_id)
        await CheckinRound.update({CheckinRound.state: "cancelled"}).where(
            (CheckinRound.checkin == checkin_id) & CheckinRound.state.is_in(list(OPEN_STATES)))
        await record_event(checkin_id, "stopped", actor=principal.user_id, note=reason)
    return await checkin_out(principal, checkin_id)


# Watchers -------------------------------------------------------------------------------------

async def accepted_count(checkin_id: int) -> int:
    """How many watchers accepted."""
    return await CheckinWatcher.count().where(
        (CheckinWatcher.checkin == checkin_id) & (CheckinWatcher.status == "accepted"))


async def invite_watcher(queues: Queues | None, principal: Principal, checkin_id: int, user_id: int) -> CheckinOut:
    """The person or a referent asks one more neighbour to watch (again, after a refusal)."""
    row = await manageable(principal, checkin_id, "Seuls la personne et les référents peuvent inviter des voisins.")
    await check_watchers(row["community"], row["person"], [user_id])
    existing = await CheckinWatcher.select(CheckinWatcher.id, CheckinWatcher.status).where(
        (CheckinWatcher.checkin == checkin_id) & (CheckinWatcher.user == user_id)).first()
    if existing and existing["status"] in ("invited", "accepted"):
        raise Conflict("Ce voisin est déjà invité ou veille déjà.", "already_watcher")
    if await CheckinWatcher.count().where((CheckinWatcher.checkin == checkin_id)
                                          & CheckinWatcher.status.is_in(["invited", "accepted"])) >= MAX_WATCHERS:
        raise DomainError(f"{MAX_WATCHERS} voisins au plus par veille.", "too_many_watchers")
    now = clock.now()
    pending = Notifications(queues)
    async with write_transaction():
        if existing:
            await CheckinWatcher.update({CheckinWatcher.status: "invited", CheckinWatcher.invited_at: now,
                                         CheckinWatcher.invited_by: principal.user_id,
                                         CheckinWatcher.answered_at: None}).where(CheckinWatcher.id == existing["id"])
        else:
            await CheckinWatcher.insert(CheckinWatcher(checkin=checkin_id, user=user_id, invited_by=principal.user_id,
                                                       invited_at=now))
        if row["person_confirmation"] == "confirmed":  # else invited when the person confirms
            await record_notifying_event(checkin_id, "watcher_invited", pending, actor=principal.user_id,
                                         subject=user_id)
    return await checkin_out(principal, checkin_id)


async def accept_invitation(principal: Principal, checkin_id: int) -> CheckinOut:
    """The invited neighbour accepts, and from then on sees the address and the note."""
    await answer_invitation(principal, checkin_id, True)
    return await checkin_out(principal, checkin_id)


async def answer_invitation(principal: Principal, checkin_id: int, accept: bool) -> None:
    """The invited neighbour accepts or declines (accepting twice is harmless)."""
    row = await load(checkin_id)
    link = await CheckinWatcher.select(CheckinWatcher.id, CheckinWatcher.status).where(
        (CheckinWatcher.checkin == checkin_id) & (CheckinWatcher.user == principal.user_id)).first()
    if link is None or link["status"] not in ("invited", "accepted") or (
            link["status"] == "invited" and row["person_confirmation"] != "confirmed"):  # not sent yet
        raise NotFound("Aucune invitation à veiller en attente.", "invitation_not_found")
    ensure_running(row)
    if link["status"] == "accepted":
        if not accept:
            raise Conflict("Vous veillez déjà : retirez-vous de la veille à la place.", "already_accepted")
        return
    now = clock.now()
    async with write_transaction():
        # Lock the check-in first (PostgreSQL): two neighbours accepting at once must not both
        # count one acceptance before theirs and leave the check-in without `watch_from`.
        await Checkin.raw("UPDATE checkins SET watch_from = watch_from WHERE id = {}", checkin_id)
        before = await accepted_count(checkin_id)
        await CheckinWatcher.update({CheckinWatcher.status: "accepted" if accept else "declined",
                                     CheckinWatcher.answered_at: now}).where(CheckinWatcher.id == link["id"])
        if accept and before == 1:
            await Checkin.update({Checkin.watch_from: now}).where(Checkin.id == checkin_id)
        await record_event(checkin_id, "watcher_accepted" if accept else "watcher_declined",
                           actor=principal.user_id, subject=principal.user_id)


async def remove_watcher(principal: Principal, checkin_id: int, user_id: int) -> None:
    """The person or a referent removes a watcher; a watcher may step down themselves."""
    if user_id == principal.user_id:
        if not await roles_in(principal, await load(checkin_id)) & {"watcher", "invited"}:
            raise NotFound("Vous ne veillez pas sur cette personne.", "watcher_not_found")
    else:
        await manageable(principal, checkin_id, "Seuls la personne et les référents peuvent retirer un voisin.")
    async with write_transaction():
        updated = await CheckinWatcher.update({CheckinWatcher.status: "removed",
                                               CheckinWatcher.answered_at: clock.now()}).where(
            (CheckinWatcher.checkin == checkin_id) & (CheckinWatcher.user == user_id)
            & CheckinWatcher.status.is_in(["invited", "accepted"])).returning(CheckinWatcher.id)
        if not updated:
            raise NotFound("Ce voisin ne fait pas partie de la veille.", "watcher_not_found")
        await record_event(checkin_id, "watcher_removed", actor=principal.user_id, subject=user_id)
