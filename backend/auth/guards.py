"""Route guards: every route declares one (the guard-matrix test checks it).

A guard reads the principal the session middleware put in `scope["user"]` and the path's
`commune_id`, and raises 401/403 with a French message. The guard on a `{community_id}` is
`backend.communities.guards.community_scope` (it asks communities which commune holds it).
"""

from __future__ import annotations

from typing import Any, Callable

from litestar.connection import ASGIConnection

from backend.auth.principal import Principal
from backend.lib.errors import Forbidden, Unauthorized

Guard = Callable[[ASGIConnection, Any], Any]


def current_principal(connection: ASGIConnection) -> Principal | None:
    return connection.scope.get("user")  # type: ignore[return-value]


def require_principal(connection: ASGIConnection) -> Principal:
    """The signed-in, not suspended caller, or 401/403."""
    principal = current_principal(connection)
    if principal is None:
        raise Unauthorized()
    if principal.is_suspended:
        raise Forbidden("Votre compte est suspendu. Contactez la modération.", "account_suspended")
    return principal


def public(connection: ASGIConnection, _: Any) -> None:
    """Anyone, signed in or not."""


def authenticated(connection: ASGIConnection, _: Any) -> None:
    """Any signed-in user, verified or not."""
    require_principal(connection)


def platform_role(*, moderator: bool = False, admin: bool = False) -> Guard:
    """Moderators and/or admins of the platform."""

    def guard(connection: ASGIConnection, _: Any) -> None:
        p = require_principal(connection)
        if (moderator and p.is_moderator) or (admin and p.is_admin):
            return
        raise Forbidden()

    guard.__qualname__ = guard.__name__ = f"platform_role(moderator={moderator}, admin={admin})"
    return guard


def commune_scope(*, staff: bool = False, admin: bool = False, moderator: bool = False) -> Guard:
    """Access to `{commune_id}` for its mairie staff and/or platform roles."""

    def guard(connection: ASGIConnection, _: Any) -> None:
        p = require_principal(connection)
        commune_id = int(connection.path_params["commune_id"])
        if (staff and p.is_staff_of(commune_id)) or (admin and p.is_admin) or (moderator and p.is_moderator):
            return
        raise Forbidden()

    guard.__qualname__ = guard.__name__ = f"commune_scope(staff={staff}, admin={admin}, moderator={moderator})"
    return guard


def any_staff_or_platform(connection: ASGIConnection, _: Any) -> None:
    """Mairie staff of any commune, moderators and admins (lists are then filtered by scope)."""
    p = require_principal(connection)
    if p.mairie_communes or p.is_moderator or p.is_admin:
        return
    raise Forbidden()
