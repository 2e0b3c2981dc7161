"""Who is calling: the user's identity and roles, loaded once per request (cached in Valkey)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import msgspec
from litestar import Request

from backend.lib.errors import Unauthorized


class MembershipInfo(msgspec.Struct, frozen=True):
    community_id: int
    community_name: str
    commune_id: int
    commune_name: str
    status: str
    role: str


class CommuneRef(msgspec.Struct, frozen=True):
    id: int
    name: str


class Principal(msgspec.Struct, frozen=True):
    user_id: int
    first_name: str
    last_name: str
    email: str
    is_moderator: bool = False
    is_admin: bool = False
    is_suspended: bool = False
    address_verified: bool = False
    mairie_communes: tuple[CommuneRef, ...] = ()
    memberships: tuple[MembershipInfo, ...] = ()
    locale: str = "fr"  # the language the member reads (User.locale): API errors, notifications

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def membership(self, community_id: int) -> MembershipInfo | None:
        for m in self.memberships:
            if m.community_id == community_id:
                return m
        return None

    def is_active_member(self, community_id: int) -> bool:
        m = self.membership(community_id)
        return m is not None and m.status == "active"

    def is_referent(self, community_id: int) -> bool:
        m = self.membership(community_id)
        return m is not None and m.status == "active" and m.role == "referent"

    def is_staff_of(self, commune_id: int) -> bool:
        return any(c.id == commune_id for c in self.mairie_communes)

    @property
    def active_community_ids(self) -> list[int]:
        return [m.community_id for m in self.memberships if m.status == "active"]


def principal_of(request: Request) -> Principal:
    """The authenticated caller of `request` (set by the session middleware)."""
    principal = request.scope.get("user")
    if principal is None:  # guards run first; this only protects against a missing guard
        raise Unauthorized()
    return principal  # type: ignore[return-value]


PrincipalLoader = Callable[[int], Awaitable["Principal | None"]]
"""Builds a user's principal from the database. Memberships belong to communities, which depends on
auth: the wiring puts `backend.communities.principals.load_principal` in `app.state.load_principal`."""


def principal_loader(app: Any) -> PrincipalLoader:
    """The loader the wiring gave the app (backend/app.py)."""
    return app.state.load_principal
