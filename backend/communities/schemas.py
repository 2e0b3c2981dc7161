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
    country: str = "FR"  # its commune's: FR | BE
    country_name: str = "France"


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
    """A commune opened on Vigie: its code in its country's official list — INSEE (FR) or NIS (BE) — (name,
    postal codes, département/province and population come from that list; a `name` or `postal_codes` sent
    are ignored)."""

    insee_code: str
    name: str = ""
    postal_codes: list[str] = msgspec.field(default_factory=list)
    police_email: str = ""
    country: str = "FR"  # FR | BE: the codes of the two countries collide


class CommuneOut(msgspec.Struct):
    id: int
    insee_code: str  # INSEE (FR) or NIS (BE) code
    name: str
    postal_codes: list[str]
    police_email: str
    communities: list[CommunityHit]
    departement: str = ""
    population: int = 0
    mairie_joined_at: str | None = None  # ISO 8601; None: the mairie does not take part
    country: str = "FR"
    country_name: str = "France"


class CommuneHit(msgspec.Struct):
    """A commune found by name, INSEE/NIS code or postal code (public: nothing else)."""

    id: int
    insee_code: str
    name: str
    postal_codes: list[str]
    country: str = "FR"
    country_name: str = "France"


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
