"""Veille solidaire: who may see a check-in and the history it keeps.

Who sees a check-in: the person, the watchers who accepted, the referents of its community —
nobody else (a pending watcher sees only the invitation). A check-in a referent set up for
someone waits for that person's own confirmation: until then it does not run, no watcher is
invited, and the referent sees only the contact data the person's directory settings show them. Setting up and managing a check-in
lives in `backend.checkins.management`; its periods (reminder, escalation, "je passe voir",
"tout va bien") in `backend.checkins.escalation`; what a check-in looks like to each reader in
`backend.checkins.views`.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from backend.auth.principal import Principal
from backend.db import on_commit
from backend.delivery import service as delivery
from backend.lib import clock
from backend.lib.errors import Conflict, Forbidden, NotFound
from backend.lib.queues import Queues
from backend.checkins.schemas import PersonRef
from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound, CheckinWatcher

REMINDER_KIND = "checkin_reminder"  # to the person, push + SMS, at the hour
MISSED_KIND = "checkin_missed"  # to the accepted watchers, push + SMS, urgent, after the grace period
GOING_KIND = "checkin_going"  # "je passe voir": to the other watchers
RESOLVED_KIND = "checkin_resolved"  # "tout va bien" after an escalation: to the other watchers
INVITE_KIND = "checkin_invite"  # to a neighbour asked to watch
CONSENT_KIND = "checkin_consent"  # to the person a referent set a check-in up for: confirm or refuse
NOTIFYING = {"reminded": REMINDER_KIND, "escalated": MISSED_KIND, "someone_going": GOING_KIND,
             "resolved": RESOLVED_KIND, "watcher_invited": INVITE_KIND, "confirmation_asked": CONSENT_KIND}

OPEN_STATES = ("reminded", "escalated", "someone_going")
ALERTED_STATES = ("escalated", "someone_going")  # the watchers were alerted
EVENT_LABELS = {
    "created": "Veille mise en place",
    "confirmation_asked": "Accord demandé à la personne",
    "person_confirmed": "Veille acceptée par la personne",
    "person_refused": "Veille refusée par la personne",
    "updated": "Réglages modifiés",
    "paused": "Veille suspendue",
    "resumed": "Veille reprise",
    "stopped": "Veille arrêtée",
    "watcher_invited": "Voisin invité à veiller",
    "watcher_accepted": "Invitation acceptée",
    "watcher_declined": "Invitation refusée",
    "watcher_removed": "Voisin retiré de la veille",
    "checked_in": "Je vais bien",
    "reminded": "Rappel envoyé",
    "escalated": "Alerte envoyée aux voisins",
    "someone_going": "Je passe voir",
    "resolved": "Tout va bien",
    "cancelled": "Période annulée",
    "alert_linked": "Alerte « pas de nouvelles » liée",
}
NOT_FOUND = ("Ce suivi n'existe pas ou ne vous concerne pas.", "checkin_not_found")

CHECKIN_COLUMNS = (
    Checkin.all_columns(), Checkin.community.name,
    Checkin.person.first_name, Checkin.person.last_name, Checkin.person.phone, Checkin.person.address_line1,
    Checkin.person.address_line2, Checkin.person.postal_code, Checkin.person.city,
    Checkin.created_by.first_name, Checkin.created_by.last_name,
    Checkin.consent_recorded_by.first_name, Checkin.consent_recorded_by.last_name,
)
ROUND_COLUMNS = (
    CheckinRound.all_columns(), CheckinRound.going_by.first_name, CheckinRound.going_by.last_name,
    CheckinRound.resolved_by.first_name, CheckinRound.resolved_by.last_name,
)


# Small helpers -------------------------------------------------------------------------------

def full_name(row: dict[str, Any], prefix: str) -> str:
    """First and last name of the user joined under `prefix` ("person", "actor"…)."""
    return f"{row.get(prefix + '.first_name') or ''} {row.get(prefix + '.last_name') or ''}".strip()


def ref(row: dict[str, Any], prefix: str) -> PersonRef | None:
    """{id, name} of the user joined under `prefix`, or None when the column is empty."""
    user_id = row.get(prefix)
    return PersonRef(id=user_id, name=full_name(row, prefix)) if user_id else None


def address_of(row: dict[str, Any], prefix: str = "person") -> str:
    """The postal address of the user joined under `prefix`, on one line."""
    street = ", ".join(p for p in (row[f"{prefix}.address_line1"], row[f"{prefix}.address_line2"]) if p)
    return f"{street}, {row[f'{prefix}.postal_code']} {row[f'{prefix}.city']}".strip(", ")


def as_date(value: Any) -> date | None:
    """Date columns come back as dates (ORM) or ISO strings (raw SQL on SQLite)."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


async def record_event(checkin_id: int, type_: str, *, actor: int | None, round_id: int | None = None,
                       subject: int | None = None, source: str = "app", note: str = "",
                       alert_id: int | None = None) -> int:
    """Add a history entry (inside the caller's transaction); returns its id."""
    rows = await CheckinEvent.insert(CheckinEvent(
        checkin=checkin_id, round=round_id, type=type_, actor=actor, subject=subject, source=source,
        note=note[:500], alert=alert_id, created_at=clock.now())).returning(CheckinEvent.id)
    return rows[0]["id"]


class Notifications(list[tuple[str, int]]):
    """The (kind, event id) notifications one step of a check-in recorded. Each is handed to the
    fan-out queue once the transaction that recorded it commits (`db.on_commit`; the periodic
    re-dispatch covers a Valkey outage); without `queues` (no queue in this process) nothing is."""

    def __init__(self, queues: Queues | None) -> None:
        super().__init__()
        self.queues = queues


async def record_notifying_event(checkin_id: int, type_: str, pending: Notifications, **kwargs: Any) -> int:
    """`record_event` plus the outbox row of its notification (inside the caller's write
    transaction); (kind, id) is added to `pending` and dispatched after the commit."""
    event_id = await record_event(checkin_id, type_, **kwargs)
    kind = NOTIFYING[type_]
    await delivery.add_outbox(kind, event_id)
    pending.append((kind, event_id))
    if pending.queues is not None:
        on_commit(partial(delivery.dispatch, pending.queues, kind, event_id))
    return event_id


# Loading and access -------------------------------------------------------------------------

async def load(checkin_id: int) -> dict[str, Any]:
    """The check-in row with its community and people, or 404."""
    row = await Checkin.select(*CHECKIN_COLUMNS).where(Checkin.id == checkin_id).first()
    if row is None:
        raise NotFound(*NOT_FOUND)
    return row


async def roles_in(principal: Principal, row: dict[str, Any]) -> set[str]:
    """person, watcher (accepted), invited (pending), referent — any of them."""
    roles: set[str] = set()
    if row["person"] == principal.user_id:
        roles.add("person")
    if principal.is_referent(row["community"]):
        roles.add("referent")
    mine = await CheckinWatcher.select(CheckinWatcher.status).where(
        (CheckinWatcher.checkin == row["id"]) & (CheckinWatcher.user == principal.user_id)).first()
    if mine and mine["status"] == "accepted":
        roles.add("watcher")
    elif mine and mine["status"] == "invited":
        roles.add("invited")
    return roles


async def access(principal: Principal, checkin_id: int, allowed: set[str],
                 refusal: str = "Vous ne pouvez pas faire cela pour ce suivi.") -> tuple[dict[str, Any], set[str]]:
    """The check-in and the caller's roles; 404 for people who may not see it, 403 for those who
    see it but may not do this."""
    row = await load(checkin_id)
    roles = await roles_in(principal, row)
    if not roles & {"person", "watcher", "referent"} and not (roles & allowed):
        raise NotFound(*NOT_FOUND)
    if not roles & allowed:
        raise Forbidden(refusal, "checkin_action_forbidden")
    return row, roles


def ensure_running(row: dict[str, Any]) -> None:
    """409 when the check-in was stopped."""
    if row["stopped_at"] is not None:
        raise Conflict("Cette veille est arrêtée.", "checkin_stopped")


def my_role(roles: set[str]) -> str:
    """The role the caller's view is shaped for (person before watcher before referent)."""
    return next(r for r in ("person", "watcher", "referent", "invited") if r in roles)


# Rounds ---------------------------------------------------------------------------------------

async def insert_round(checkin_id: int, period: Any, due: datetime, state: str, **stamps: datetime) -> int | None:
    """Create the round of a period unless it exists (then None)."""
    columns = ["checkin", "period_date", "due_at", "state", "created_at", *stamps]
    rows = await CheckinRound.raw(
        f"INSERT INTO checkin_rounds ({', '.join(columns)}) VALUES ({', '.join(['{}'] * len(columns))}) "
        "ON CONFLICT DO NOTHING RETURNING id", checkin_id, period, due, state, clock.now(), *stamps.values())
    return rows[0]["id"] if rows else None


async def move_round(round_id: int, from_states: tuple[str, ...], values: dict[Any, Any]) -> bool:
    """A state change that happens once: only if the round is still in one of `from_states`."""
    updated = await CheckinRound.update(values).where(
        (CheckinRound.id == round_id) & CheckinRound.state.is_in(list(from_states))).returning(CheckinRound.id)
    return bool(updated)
