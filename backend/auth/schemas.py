from __future__ import annotations

import msgspec

from backend.auth.principal import CommuneRef, MembershipInfo


class SignupIn(msgspec.Struct):
    first_name: str
    last_name: str
    email: str
    phone: str
    address_line1: str
    postal_code: str
    city: str
    password: str
    community_id: int
    country: str = "FR"
    address_line2: str = ""
    locale: str = "fr"
    sms: bool = True  # alerts by SMS too, when `phone` is a French or Belgian mobile (else ignored)


class SignupAccepted(msgspec.Struct):
    detail: str


class LoginIn(msgspec.Struct):
    email: str
    password: str


class PasswordChangeIn(msgspec.Struct):
    current_password: str
    new_password: str


class LocaleIn(msgspec.Struct):
    locale: str  # "fr" | "en"


class PasswordResetIn(msgspec.Struct):
    email: str


class PasswordResetConfirmIn(msgspec.Struct):
    token: str
    new_password: str


class Me(msgspec.Struct):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    locale: str
    is_moderator: bool
    is_admin: bool
    mairie_communes: list[CommuneRef]
    memberships: list[MembershipInfo]  # the principal's own, as the guards read them
