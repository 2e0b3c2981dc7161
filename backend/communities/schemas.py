from __future__ import annotations

import msgspec


class CommunityHit(msgspec.Struct):
    id: int
    name: str
    commune_id: int
    commune_name: str
    postal_codes: list[str]
    streets: list[str] = msgspec.field(default_factory=list)
    """The perimeter's listed streets (empty with no postal codes either: the whole commune)."""
    perimeter_postal_codes: list[str] = msgspec.field(default_factory=list)


class CommunityOut(msgspec.Struct):
    id: int
    name: str
    commune_id: int
    commune_name: str
    center_lat: float
    center_lon: float
    radius_m: int
    member_count: int
    streets: list[str] = msgspec.field(default_factory=list)
    perimeter_postal_codes: list[str] = msgspec.field(default_factory=list)
    commune_postal_codes: list[str] = msgspec.field(default_factory=list)


class PerimeterIn(msgspec.Struct):
    """Streets (one name each) and/or postal codes of the commune; both empty: the whole commune."""

    streets: list[str] = msgspec.field(default_factory=list)
    postal_codes: list[str] = msgspec.field(default_factory=list)


class CommunityCreate(msgspec.Struct):
    name: str
    center_lat: float
    center_lon: float
    radius_m: int = 500


class CommuneCreate(msgspec.Struct):
    """A commune opened on Vigie: its INSEE code from the official list (name, postal codes, département and
    population come from that list; a `name` or `postal_codes` sent are ignored)."""

    insee_code: str
    name: str = ""
    postal_codes: list[str] = msgspec.field(default_factory=list)
    police_email: str = ""


class CommuneOut(msgspec.Struct):
    id: int
    insee_code: str
    name: str
    postal_codes: list[str]
    police_email: str
    communities: list[CommunityHit]
    departement: str = ""
    population: int = 0
    mairie_joined_at: str | None = None  # ISO 8601; None: the mairie does not take part


class CommuneHit(msgspec.Struct):
    """A commune found by name, INSEE code or postal code (public: nothing else)."""

    id: int
    insee_code: str
    name: str
    postal_codes: list[str]


class UserRef(msgspec.Struct):
    user_id: int


class PersonHit(msgspec.Struct):
    """A person found by name, to appoint: their neighbourhoods (active memberships) tell them apart."""

    user_id: int
    name: str
    communities: list[str]
    is_moderator: bool = False
    staff_of: list[str] = msgspec.field(default_factory=list)  # communes whose mairie they work for


class PendingMember(msgspec.Struct):
    user_id: int
    first_name: str
    last_name: str
    street: str
    requested_at: str
    letter_printed_at: str | None


class JoinOut(msgspec.Struct):
    community_id: int
    status: str
