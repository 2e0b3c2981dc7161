"""Requests and answers of the mairie API (msgspec Structs; no table object leaves the domain)."""

from __future__ import annotations

import msgspec

from backend.alerts.schemas import AlertOut
from backend.delivery.schemas import ChannelCounts


# Broadcasts ------------------------------------------------------------------------------

class BroadcastIn(msgspec.Struct):
    category: str
    severity: str
    title: str
    body: str
    community_ids: list[int] = msgspec.field(default_factory=list)  # empty: the whole commune
    channels: list[str] | None = None  # None: the severity's default
    valid_until: str | None = None  # ISO 8601
    link: str = ""
    scheduled_at: str | None = None  # ISO 8601, in the future; None: now


class BroadcastPatch(msgspec.Struct):
    """Changes to a broadcast that is still scheduled (omitted fields stay as they are)."""

    category: str | msgspec.UnsetType = msgspec.UNSET
    severity: str | msgspec.UnsetType = msgspec.UNSET
    title: str | msgspec.UnsetType = msgspec.UNSET
    body: str | msgspec.UnsetType = msgspec.UNSET
    community_ids: list[int] | msgspec.UnsetType = msgspec.UNSET
    channels: list[str] | msgspec.UnsetType = msgspec.UNSET
    valid_until: str | None | msgspec.UnsetType = msgspec.UNSET
    link: str | msgspec.UnsetType = msgspec.UNSET
    scheduled_at: str | None | msgspec.UnsetType = msgspec.UNSET


class FollowupIn(msgspec.Struct):
    kind: str  # update | end
    body: str
    title: str = ""  # default: « Mise à jour : … » / « Fin d'alerte : … »
    severity: str | None = None  # default: the original's for an update, information for an end
    channels: list[str] | None = None  # default: push + gazette


class Author(msgspec.Struct):
    id: int
    name: str


class BroadcastOut(msgspec.Struct):
    id: int
    commune_id: int
    commune_name: str
    category: str
    category_label: str
    severity: str
    severity_label: str
    title: str
    body: str
    link: str
    valid_until: str | None
    channels: list[str]
    all_communities: bool
    community_ids: list[int]
    status: str
    scheduled_at: str | None
    sent_at: str | None
    ended_at: str | None
    cancelled_at: str | None
    parent_id: int | None
    followup: str
    created_at: str
    author: Author | None = None  # staff view only
    sms_estimate: int | None = None  # staff view only
    delivery: dict[str, ChannelCounts] | None = None  # staff view only


class BudgetOut(msgspec.Struct):
    commune_id: int
    month: str  # YYYY-MM
    monthly_budget: int  # SMS segments; 0 = unlimited
    used: int  # queued, plus reserved by scheduled or not yet fanned-out sends
    remaining: int | None  # None when unlimited


class BudgetIn(msgspec.Struct):
    monthly_budget: int


class AreaCount(msgspec.Struct):
    community_id: int
    name: str
    people: int  # active members (one in two communities counts in both)


class PreviewOut(msgspec.Struct):
    channels: list[str]
    recipients: int
    by_channel: dict[str, int]
    sms_text: str  # the SMS's words, without its link (the link's number is given at sending)
    sms_segments: int
    sms_total: int
    budget: BudgetOut
    within_budget: bool
    communities: list[AreaCount]  # the neighbourhoods addressed, with their people
    reached: int  # people reached on at least one channel if sent as planned (quiet hours counted)
    not_reached: dict[str, int]  # people reached on no channel, by reason (see mairie/area.py NOT_REACHED)
    skipped: dict[str, dict[str, int]]  # channel -> reason -> people that channel misses
    sms_link: str  # the start of the SMS's link, « https://…/#/mairie/ »: the number is created on sending
    sms_price_cents: int  # settings.sms_price_cents, per segment
    sms_cost_cents: int  # sms_total × sms_price_cents


# Safety checks ---------------------------------------------------------------------------

class SafetyCheckIn(msgspec.Struct):
    question: str = "Tout va bien ?"
    community_ids: list[int] = msgspec.field(default_factory=list)
    channels: list[str] | None = None  # default push + sms


class SafetyCounts(msgspec.Struct):
    total: int = 0
    ok: int = 0
    help: int = 0
    pending: int = 0


class SafetyCheckOut(msgspec.Struct):
    id: int
    commune_id: int
    question: str
    status: str
    channels: list[str]
    community_ids: list[int]
    created_at: str
    closed_at: str | None
    counts: SafetyCounts


class Resident(msgspec.Struct):
    """Someone a safety check asked. `phone` and `address` are null when hidden: always shown for
    « j'ai besoin d'aide » (the person asked to be reached), else only where the person's
    directory settings show them to referents."""

    user_id: int
    first_name: str
    last_name: str
    phone: str | None
    address: str | None
    community_name: str
    answer: str
    via: str
    note: str
    answered_at: str | None


class SafetyCheckDetail(msgspec.Struct):
    check: SafetyCheckOut
    need_help: list[Resident]
    not_answered: list[Resident]


class AnswerIn(msgspec.Struct):
    answer: str  # ok | help
    note: str = ""


class MySafetyCheck(msgspec.Struct):
    id: int
    commune_name: str
    question: str
    status: str
    created_at: str
    answer: str
    answered_at: str | None


# Forwarded alerts, police liaison --------------------------------------------------------

class AckIn(msgspec.Struct):
    note: str = ""


class AckOut(msgspec.Struct):
    alert_id: int
    acknowledged: bool
    note: str = ""
    by: str = ""
    at: str | None = None


class InboxItem(msgspec.Struct):
    alert: AlertOut
    acknowledgement: AckOut


class PoliceContact(msgspec.Struct):
    police_email: str


# Signage ---------------------------------------------------------------------------------

class SignageIn(msgspec.Struct):
    model: str
    quantity: int
    delivery_address: str
    subsidised: bool = False
    note: str = ""


class SignageDecisionIn(msgspec.Struct):
    decision: str  # approve | decline | deliver
    note: str = ""
    subsidised: bool | None = None  # approve: the mairie's answer to the request


class SignageOut(msgspec.Struct):
    id: int
    commune_id: int
    community_id: int | None
    community_name: str
    requested_by: Author
    model: str
    model_label: str
    quantity: int
    delivery_address: str
    subsidised: bool
    note: str
    status: str
    decision_note: str
    decided_at: str | None
    created_at: str
    delivery_note: str = ""
    delivered_at: str | None = None


# Dashboard -------------------------------------------------------------------------------

class CommunityFigures(msgspec.Struct):
    community_id: int
    name: str
    members: int
    verified_members: int
    signups_30d: int
    pending_letters: int


class AlertsPerDay(msgspec.Struct):
    day: str  # YYYY-MM-DD, Paris time
    category: str
    count: int


class ForwardedFigure(msgspec.Struct):
    alert_id: int
    community_name: str
    title: str
    category: str
    notify_mairie: bool
    notify_police: bool
    created_at: str


class ReachFigure(msgspec.Struct):
    broadcast_id: int
    title: str
    severity: str
    sent_at: str | None
    channel: str
    queued: int
    sent: int
    received: int
    opened: int
    failed: int
    skipped: int
    fallback: int = 0  # sms: « SMS de secours » (urgent pushes not received in time)


class SafetyFigure(msgspec.Struct):
    check_id: int
    question: str
    status: str
    created_at: str
    total: int
    ok: int
    help: int
    pending: int


class Dashboard(msgspec.Struct):
    commune_id: int
    commune_name: str
    generated_at: str
    communities: list[CommunityFigures]
    alerts_per_day: list[AlertsPerDay]
    forwarded_awaiting: list[ForwardedFigure]
    broadcast_reach: list[ReachFigure]
    safety_checks: list[SafetyFigure]
    sms_budget: BudgetOut
    silent_devices: int = 0  # members' phones flagged « ne reçoit plus les notifications » (3 pushes missed)
