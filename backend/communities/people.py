"""Finding a person by name to appoint them (mairie staff, moderator, referent) instead of typing a
numeric id: the mairie's staff search the verified members of their commune's neighbourhoods, admins
search everyone. Three queries whatever the result (people, their neighbourhoods, their communes)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from backend.auth.tables import User
from backend.communities.schemas import PersonHit
from backend.communities.tables import MairieStaff, Membership, MembershipStatus
from backend.lib.errors import DomainError

LIMIT = 20


def _words(q: str) -> list[str]:
    """The words of the query (SQL LIKE wildcards dropped); at least two letters in all."""
    words = q.replace("%", " ").replace("_", " ").split()
    if len("".join(words)) < 2:
        raise DomainError("Tapez au moins deux lettres du nom.", "query_too_short")
    return words[:4]


def _name_matches(first: Any, last: Any, words: list[str]) -> Any:
    """Every word in the first or the last name (case-insensitive)."""
    condition = None
    for word in words:
        one = first.ilike(f"%{word}%") | last.ilike(f"%{word}%")
        condition = one if condition is None else condition & one
    return condition


async def search_people(q: str, commune_id: int | None) -> list[PersonHit]:
    """People whose name matches `q`: verified members of the commune's neighbourhoods (staff), or
    anyone not suspended when `commune_id` is None (admins). Sorted by last name, at most LIMIT."""
    words = _words(q)
    if commune_id is not None:
        rows = await Membership.select(Membership.user).where(
            (Membership.community.commune == commune_id) & (Membership.status == MembershipStatus.ACTIVE)
            & (Membership.user.is_suspended == False)  # noqa: E712
            & _name_matches(Membership.user.first_name, Membership.user.last_name, words))
        ids = sorted({r["user"] for r in rows})
        if not ids:
            return []
        people = await User.select(User.id, User.first_name, User.last_name, User.is_moderator).where(
            User.id.is_in(ids)).order_by(User.last_name, User.first_name).limit(LIMIT)
    else:
        people = await User.select(User.id, User.first_name, User.last_name, User.is_moderator).where(
            (User.is_suspended == False) & _name_matches(User.first_name, User.last_name, words)  # noqa: E712
        ).order_by(User.last_name, User.first_name).limit(LIMIT)
    ids = [p["id"] for p in people]
    if not ids:
        return []
    communities: dict[int, list[str]] = defaultdict(list)
    memberships = await Membership.select(Membership.user, Membership.community.name).where(
        Membership.user.is_in(ids) & (Membership.status == MembershipStatus.ACTIVE)).order_by(Membership.community.name)
    for r in memberships:
        communities[r["user"]].append(r["community.name"])
    communes: dict[int, list[str]] = defaultdict(list)
    for r in await MairieStaff.select(MairieStaff.user, MairieStaff.commune.name).where(MairieStaff.user.is_in(ids)):
        communes[r["user"]].append(r["commune.name"])
    return [PersonHit(user_id=p["id"], name=f"{p['first_name']} {p['last_name']}".strip(),
                      communities=communities[p["id"]], is_moderator=bool(p["is_moderator"]),
                      staff_of=sorted(communes[p["id"]])) for p in people]
