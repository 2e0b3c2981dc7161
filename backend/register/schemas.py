"""Requests and responses of the register and its episodes (msgspec Structs; no table leaks out)."""

from __future__ import annotations

import msgspec


class ContactIn(msgspec.Struct):
    """Someone to call: a name and a phone; with a Vigie account (same phone), they may read the entry."""

    name: str
    phone: str = ""
    relation: str = ""


class SelfIn(msgspec.Struct):
    """The person registers themself (address and phone default to their account's)."""

    community_id: int
    channel: str = "app"  # app | sms | call
    contacts: list[ContactIn] = []
    health_notes: str = ""
    birth_year: int | None = None
    phone: str = ""


class PersonIn(msgspec.Struct):
    """Someone else's identity, as a relative or an agent keys it in."""

    community_id: int
    first_name: str
    last_name: str
    address: str
    phone: str = ""
    channel: str = "call"  # app and sms need the person's Vigie account (found by their phone)
    contacts: list[ContactIn] = []
    health_notes: str = ""
    birth_year: int | None = None


class RelativeIn(PersonIn, kw_only=True):
    relation: str = ""  # the relative's link to the person (« fille », « aide à domicile »…)


class ConsentIn(msgspec.Struct):
    """How the person agreed to a paper registration an agent keys in."""

    method: str  # ecrit | oral | telephone
    detail: str = ""


class AgentIn(PersonIn, kw_only=True):
    consent: ConsentIn


class CallConfirmationIn(msgspec.Struct):
    """The agent called the person registered by a relative: did they agree?"""

    agreed: bool
    detail: str = ""


class ContactOut(msgspec.Struct):
    name: str
    phone: str
    relation: str
    has_account: bool
    texted: bool = False
    """No account and a mobile: texted automatically when the person does not answer during an
    episode (a landline, `mobile` False, is left to the mairie to call)."""
    mobile: bool = False


class EntryOut(msgspec.Struct):
    id: int
    commune_id: int
    community_id: int
    community_name: str
    first_name: str
    last_name: str
    birth_year: int | None
    address: str
    phone: str
    health_notes: str
    channel: str
    source: str
    status: str
    has_account: bool
    consent_method: str
    consent_detail: str
    confirmed_at: str | None
    created_at: str
    registered_by: str
    contacts: list[ContactOut]
    volunteers: list[str] = []


class EntrySummary(msgspec.Struct):
    id: int
    first_name: str
    last_name: str
    community_name: str
    status: str
    source: str
    channel: str


class MyCheck(msgspec.Struct):
    """An open « Tout va bien ? » waiting for the person's answer (or answered today)."""

    id: int
    episode_id: int
    episode_title: str
    kind: str
    day: str
    state: str


class MyRegister(msgspec.Struct):
    mine: list[EntrySummary]
    """The person's own registration(s) (pending ones wait for their confirmation)."""
    named_by: list[EntrySummary]
    """People who named the caller as someone to call (they may open the entry)."""
    checks: list[MyCheck]


class AnswerIn(msgspec.Struct):
    answer: str = "ok"  # ok | help
    note: str = ""


class CallIn(msgspec.Struct):
    """A phone call made by a volunteer or an agent: what came of it."""

    result: str  # ok | help | unreachable
    note: str = ""


class EpisodeIn(msgspec.Struct):
    kind: str  # canicule | grand_froid | inondation | autre
    starts_on: str  # YYYY-MM-DD (Paris)
    ends_on: str
    title: str = ""
    community_ids: list[int] | None = None  # None: the whole commune
    check_time: str = "10:00"
    no_answer_minutes: int | None = None  # default: the setting
    callback_phone: str = ""  # the mairie's number, given in the SMS to contacts without an account


class BoardCounts(msgspec.Struct):
    total: int = 0
    ok: int = 0
    help: int = 0
    no_answer: int = 0
    waiting: int = 0


class EpisodeOut(msgspec.Struct):
    id: int
    commune_id: int
    kind: str
    title: str
    community_ids: list[int]
    starts_on: str
    ends_on: str
    check_time: str
    no_answer_minutes: int
    status: str
    created_at: str
    closed_at: str | None
    counts: BoardCounts
    callback_phone: str = ""


class BoardContact(msgspec.Struct):
    """A named contact on the board, and what became of their SMS when the person did not answer."""

    name: str
    relation: str
    phone: str
    has_account: bool  # alerted in the app / by SMS like the volunteers
    mobile: bool  # False: a landline, « à appeler (fixe) »
    sms: str = ""  # "" (not texted) | queued | sending | sent | failed | skipped
    sms_at: str | None = None  # when it was sent
    sms_reason: str = ""  # why it failed or was skipped


class BoardRow(msgspec.Struct):
    check_id: int
    entry_id: int
    first_name: str
    last_name: str
    community_name: str
    phone: str
    address: str
    channel: str
    state: str
    answered_at: str | None
    answered_via: str
    escalated_at: str | None
    called_by: str
    called_at: str | None
    call_note: str
    volunteers: list[str]
    contacts: list[BoardContact] = []


class Board(msgspec.Struct):
    episode: EpisodeOut
    day: str | None
    rows: list[BoardRow]


class VolunteerCandidate(msgspec.Struct):
    user_id: int
    first_name: str
    last_name: str
    community_name: str
    assigned: list[int]
    """Entry ids assigned to them."""


class AssignmentIn(msgspec.Struct):
    entry_id: int


class VolunteerPerson(msgspec.Struct):
    entry_id: int
    first_name: str
    last_name: str
    address: str
    phone: str
    health_notes: str
    contacts: list[ContactOut]
    check_id: int | None
    state: str
    called_at: str | None


class VolunteerView(msgspec.Struct):
    episode: EpisodeOut | None
    """The open episode (None: outside an episode, nobody is shown)."""
    people: list[VolunteerPerson]
