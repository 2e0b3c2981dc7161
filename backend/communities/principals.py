"""Who is calling: the principal of a user — identity and roles (auth) with the memberships and the
mairie communes (communities). The wiring hands `load_principal` to auth's sessions and login
(`app.state.load_principal`, backend/app.py): auth does not import communities."""

from __future__ import annotations

from backend.auth.principal import CommuneRef, MembershipInfo, Principal
from backend.auth.tables import User
from backend.communities import service as communities


async def load_principal(user_id: int) -> Principal | None:
    """Identity and roles of a user, from the database."""
    user = await User.select(
        User.id, User.first_name, User.last_name, User.email, User.is_moderator, User.is_admin,
        User.is_suspended, User.address_verified, User.locale,
    ).where(User.id == user_id).first()
    if user is None:
        return None
    ms = await communities.memberships_of(user_id)
    staff = await communities.staff_communes_of(user_id)
    return Principal(
        user_id=user["id"], first_name=user["first_name"], last_name=user["last_name"], email=user["email"],
        is_moderator=user["is_moderator"], is_admin=user["is_admin"], is_suspended=user["is_suspended"],
        address_verified=user["address_verified"], locale=user["locale"] or "fr",
        mairie_communes=tuple(CommuneRef(id=s["commune.id"], name=s["commune.name"]) for s in staff),
        memberships=tuple(
            MembershipInfo(
                community_id=m["community.id"], community_name=m["community.name"],
                commune_id=m["community.commune.id"], commune_name=m["community.commune.name"],
                status=m["status"], role=m["role"],
            )
            for m in ms
        ),
    )
