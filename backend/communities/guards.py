"""The route guard on a `{community_id}` (the other guards are in backend/auth/guards.py)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from backend.auth.guards import Guard, require_principal
from backend.communities.service import commune_of_community
from backend.lib.errors import Forbidden


def community_scope(*, member: bool = False, referent: bool = False, staff: bool = False,
                    moderator: bool = False, admin: bool = False) -> Guard:
    """Access to `{community_id}` for the listed kinds of people."""

    async def guard(connection: ASGIConnection, _: Any) -> None:
        p = require_principal(connection)
        community_id = int(connection.path_params["community_id"])
        if (member and p.is_active_member(community_id)) or (referent and p.is_referent(community_id)):
            return
        if (moderator and p.is_moderator) or (admin and p.is_admin):
            return
        if staff and p.mairie_communes:
            commune_id = await commune_of_community(community_id)
            if commune_id is not None and p.is_staff_of(commune_id):
                return
        raise Forbidden()

    guard.__qualname__ = guard.__name__ = (
        f"community_scope(member={member}, referent={referent}, staff={staff}, moderator={moderator}, admin={admin})"
    )
    return guard
