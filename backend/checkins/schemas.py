from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType


class ConsentIn(msgspec.Struct):
    """How the person agreed, when a referent sets the check-in up for them."""

    method: str  # oral | ecrit | telephone
    given_by: str = ""  # who consented; default: the person
    given_at: str | None = None  # ISO date or date-time; default: now
    detail: str = ""


class CheckinIn(msgspec.Struct):
    watcher_ids: list[int]
    check_time: str = "10:00"
    every_days: int = 1
    grace_minutes: int = 60
    note: str = ""
    starts_on: str | None = None  # YYYY-MM-DD (local); default: today
    person_id: int | None = None  # someone else (referents only, with `consent`)
    consent: ConsentIn | None = None


class CheckinPatch(msgspec.Struct):
    check_time: str | UnsetType = UNSET
    every_days: int | UnsetType = UNSET
    grace_minutes: int | UnsetType = UNSET
    note: str | UnsetType = UNSET
    paused_until: str | None | UnsetType = UNSET


class StopIn(msgspec.Struct):
    reason: str = ""


class WatcherIn(msgspec.Struct):
    user_id: int


class ResolveIn(msgspec.Struct):
    note: str = ""


class LinkAlertIn(msgspec.Struct):
    alert_id: int


class PersonRef(msgspec.Struct):
    id: int
    name: str


class PersonOut(msgspec.Struct):
    """The person watched over. `phone` and `address` are null when hidden from the viewer: until
    the person confirms the check-in, others see only what the person's directory settings allow."""

    id: int
    name: str
    phone: str | None
    address: str | None


class WatcherOut(msgspec.Struct):
    user_id: int
    name: str
    status: str
    invited_at: str
    answered_at: str | None


class ConsentOut(msgspec.Struct):
    method: str
    given_by: str
    given_at: str
    recorded_by: PersonRef
    detail: str


class ConfirmationOut(msgspec.Struct):
    """The person's own answer: `confirmed` (their own set-up counts), `pending` or `refused`."""

    state: str
    at: str | None
    via: str  # app | sms | "" (not answered)


class RoundOut(msgspec.Struct):
    id: int | None
    period_date: str
    due_at: str
    state: str
    checked_in_at: str | None = None
    reminded_at: str | None = None
    escalates_at: str | None = None
    escalated_at: str | None = None
    going: PersonRef | None = None
    going_at: str | None = None
    resolved_by: PersonRef | None = None
    resolved_at: str | None = None
    resolution_note: str = ""


class CheckinOut(msgspec.Struct):
    id: int
    community_id: int
    community_name: str
    status: str
    my_role: str
    person: PersonOut
    check_time: str
    every_days: int
    grace_minutes: int
    starts_on: str
    paused_until: str | None
    note: str
    watchers: list[WatcherOut]
    accepted_watchers: int
    consent: ConsentOut
    confirmation: ConfirmationOut
    created_by: PersonRef
    created_at: str
    stopped_at: str | None
    stop_reason: str
    current: RoundOut | None
    open_rounds: list[RoundOut]
    next_due_at: str | None


class InvitationOut(msgspec.Struct):
    checkin_id: int
    community_id: int
    community_name: str
    person: PersonRef
    check_time: str
    every_days: int
    invited_by: PersonRef
    invited_at: str


class MyCheckins(msgspec.Struct):
    mine: list[CheckinOut]
    watching: list[CheckinOut]
    invitations: list[InvitationOut]


class EventOut(msgspec.Struct):
    id: int
    type: str
    label: str
    round_id: int | None
    period_date: str | None
    actor: PersonRef | None
    subject: PersonRef | None
    source: str
    note: str
    alert_id: int | None
    created_at: str
    delivery: dict[str, Any] | None = None


class HistoryPage(msgspec.Struct):
    items: list[EventOut]
    next_before: int | None


class CandidateOut(msgspec.Struct):
    user_id: int
    name: str


class ActionOut(msgspec.Struct):
    """The answer to the person's button, "je passe voir" and "tout va bien": where the period stands."""

    checkin_id: int
    round: RoundOut
    recorded: bool  # False: nothing new (already recorded)
