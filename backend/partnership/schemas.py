"""Requests and answers of the partnership domain (msgspec Structs; no table object leaks out)."""

from __future__ import annotations

import msgspec

from backend.mairie.schemas import AckOut


# « Mairie vigilante et solidaire »: applications -----------------------------------------------

class AgentIn(msgspec.Struct):
    first_name: str
    last_name: str
    email: str


class ApplicationIn(msgspec.Struct):
    """A mairie's application, sent without an account: its commune picked from the official list
    (`GET /communes/official`) by its country and code (INSEE in France, NIS in Belgium); it need not be on
    Vigie yet. The contact's phone is read in that country."""

    insee_code: str
    contact_name: str
    contact_role: str
    contact_email: str
    contact_phone: str
    agents: list[AgentIn]
    message: str = ""
    country: str = "FR"  # FR | BE


class ApplicationReceipt(msgspec.Struct):
    id: int
    commune_name: str
    status: str


class ApplicationOut(msgspec.Struct):
    id: int
    commune_id: int | None  # the Vigie commune; None until the approval opens it
    commune_name: str
    insee_code: str  # INSEE (FR) or NIS (BE) code
    contact_name: str
    contact_role: str
    contact_email: str
    contact_phone: str
    agents: list[AgentIn]
    message: str
    status: str  # pending | approved | refused
    reason: str
    created_at: str
    decided_at: str | None
    commune_joined_at: str | None  # Commune.mairie_joined_at
    country: str = "FR"
    country_name: str = "France"


class RefusalIn(msgspec.Struct):
    reason: str


class InvitationOut(msgspec.Struct):
    """What an invited agent sees before choosing a password."""

    first_name: str
    email: str
    commune_name: str


class TokenIn(msgspec.Struct):
    """A signed link's token (invitation, police acknowledgement), sent in the body: never in a URL the server logs."""

    token: str


class InvitationAccept(msgspec.Struct):
    token: str
    password: str


# « Participation citoyenne » -------------------------------------------------------------------

class ConventionIn(msgspec.Struct):
    signed_on: str | None  # YYYY-MM-DD, or None while not signed yet
    mairie_signatory: str
    force: str  # police | gendarmerie
    force_signatory: str
    referent_name: str
    referent_email: str
    community_ids: list[int]  # the perimeter
    prefecture_signatory: str = ""
    referent_unit: str = ""
    referent_phone: str = ""


class CommunityRef(msgspec.Struct):
    id: int
    name: str


class CitizenReferentOut(msgspec.Struct):
    user_id: int
    name: str
    communities: list[str]
    named_at: str


class ConventionOut(msgspec.Struct):
    commune_id: int
    commune_name: str
    mairie_joined_at: str | None  # when the mairie joined Vigie (Commune.mairie_joined_at)
    recorded: bool  # False: nothing recorded yet (the other fields are empty)
    signed_on: str | None
    mairie_signatory: str
    force: str
    force_signatory: str
    prefecture_signatory: str
    referent_name: str
    referent_unit: str
    referent_email: str
    referent_phone: str
    communities: list[CommunityRef]
    citizen_referents: list[CitizenReferentOut]
    updated_at: str | None


class CitizenReferentIn(msgspec.Struct):
    user_id: int


# The police/gendarmerie referent's acknowledgement ---------------------------------------------

class PoliceAlertView(msgspec.Struct):
    """What the signed link shows the referent: the alert (as in the e-mail) and its acknowledgement."""

    alert_id: int
    title: str
    category: str
    place: str
    body: str
    community: str
    commune: str
    created_at: str
    acknowledged: bool
    acknowledged_at: str | None = None
    name: str = ""
    note: str = ""


class PoliceAckIn(msgspec.Struct):
    token: str
    name: str = ""
    note: str = ""


# The same answer as the mairie's acknowledgement: {alert_id, acknowledged, note, by, at}.
PoliceAckOut = AckOut


class ForwardedToPolice(msgspec.Struct):
    """An alert of the commune forwarded to the police/gendarmerie, for the mairie."""

    alert_id: int
    title: str
    community: str
    created_at: str
    police_no_contact: bool
    acknowledgement: PoliceAckOut
