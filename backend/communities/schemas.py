from __future__ import annotations

import msgspec


class CommunityHit(msgspec.Struct):
    id: int
    name: str
    commune_id: int
    commune_name: str
    postal_codes: list[str]


class CommunityOut(msgspec.Struct):
    id: int
    name: str
    commune_id: int
    commune_name: str
    center_lat: float
    center_lon: float
    radius_m: int
    member_count: int


class CommunityCreate(msgspec.Struct):
    name: str
    center_lat: float
    center_lon: float
    radius_m: int = 500


class CommuneCreate(msgspec.Struct):
    insee_code: str
    name: str
    postal_codes: list[str]
    police_email: str = ""


class CommuneOut(msgspec.Struct):
    id: int
    insee_code: str
    name: str
    postal_codes: list[str]
    police_email: str
    communities: list[CommunityHit]


class UserRef(msgspec.Struct):
    user_id: int


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
