"""Who may read a Gazette post and what they may do with it; the post's audit entries and live audience.

A member's post is read by the active members of its community, the mairie staff of its
commune, moderators and admins. A mairie communication is read by the staff of its commune,
moderators, admins and the active members of every community of the commune (or of the
communities it was addressed to).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.delivery.service import LOCAL_TZ
from backend.gazette.schemas import Permissions, Person
from backend.gazette.tables import GazettePost, GazettePostCommunity
from backend.lib.errors import DomainError, Forbidden, NotFound

KINDS = {
    "classified": "Petite annonce",
    "news": "Actualité du quartier",
    "minutes": "Compte-rendu",
    "event": "Événement",
    "carpool": "Covoiturage",
    "mairie": "Communication de la mairie",
}
MEMBER_KINDS = ("classified", "news", "minutes", "event", "carpool")
MAIRIE = "mairie"
MAIRIE_KIND = "gazette_mairie"  # delivery kind: a new communication, to every member concerned
COLUMNS = (GazettePost.all_columns(exclude=[GazettePost.search_text]), GazettePost.author.first_name,
           GazettePost.author.last_name, GazettePost.commune.name)


def aware(value: datetime | None) -> datetime | None:
    """A date from a form: without an offset it is French (or Belgian) local time."""
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


def person(user_id: int, first_name: str, last_name: str) -> Person:
    return Person(id=user_id, name=f"{first_name} {last_name}".strip())


# Who may see and do what -------------------------------------------------------------------------

async def load(post_id: int) -> dict[str, Any]:
    row = await GazettePost.select(*COLUMNS).where(GazettePost.id == post_id).first()
    if row is None:
        raise NotFound("Cette publication n'existe pas (ou plus).", "post_not_found")
    return row


async def mairie_targets(post_ids: Sequence[int]) -> dict[int, list[int]]:
    """The chosen communities of mairie communications (absent: all of the commune)."""
    if not post_ids:
        return {}
    rows = await GazettePostCommunity.select(GazettePostCommunity.post, GazettePostCommunity.community).where(
        GazettePostCommunity.post.is_in(list(post_ids))).order_by(GazettePostCommunity.community)
    out: dict[int, list[int]] = {}
    for r in rows:
        out.setdefault(r["post"], []).append(r["community"])
    return out


def reader_communities(principal: Principal, row: dict[str, Any], targets: list[int] | None) -> list[int]:
    """The communities through which this person, as an active member, sees the post."""
    if row["kind"] != MAIRIE:
        return [row["community"]] if principal.is_active_member(row["community"]) else []
    return [m.community_id for m in principal.memberships
            if m.status == "active" and m.commune_id == row["commune"]
            and (row["all_communities"] or m.community_id in (targets or []))]


def is_unique_violation(exc: BaseException) -> bool:
    """A unique index refused a row (SQLite and PostgreSQL both say "unique")."""
    return "unique" in str(exc).lower()


def is_platform(principal: Principal) -> bool:
    return principal.is_moderator or principal.is_admin


def can_view(principal: Principal, row: dict[str, Any], targets: list[int] | None) -> bool:
    return (is_platform(principal) or principal.is_staff_of(row["commune"])
            or bool(reader_communities(principal, row, targets)))


def can_moderate_locally(principal: Principal, row: dict[str, Any]) -> bool:
    """Referents pin and remove members' posts of their community (not mairie communications)."""
    return row["kind"] != MAIRIE and principal.is_referent(row["community"])


async def visible(principal: Principal, post_id: int, *, published: bool = False) -> dict[str, Any]:
    """The post if this person may read it: 403 for another community, 404 once removed
    (except for its author and moderators), 409 with `published` for actions on a removed post."""
    row = await load(post_id)
    targets = (await mairie_targets([post_id])).get(post_id) if row["kind"] == MAIRIE else None
    if not can_view(principal, row, targets):
        raise Forbidden("Cette publication concerne un autre quartier.", "post_forbidden")
    if row["status"] != "published":
        if not (is_platform(principal) or row["author"] == principal.user_id):
            raise NotFound("Cette publication a été retirée.", "post_removed")
        if published:
            raise DomainError("Cette publication a été retirée.", "post_removed", 409)
    row["targets"] = targets
    return row


def permissions(principal: Principal, row: dict[str, Any]) -> Permissions:
    author = row["author"] == principal.user_id
    member = bool(reader_communities(principal, row, row.get("targets")))
    live = row["status"] == "published"
    return Permissions(
        delete=author,
        pin=live and can_moderate_locally(principal, row),
        remove=live and (can_moderate_locally(principal, row) or is_platform(principal)),
        report=live and member and not author,
        comment=live and (member or principal.is_staff_of(row["commune"])),
    )


# The audit log and live audience ------------------------------------------------------------------

async def audit_post(actor: int, action: str, row: dict[str, Any], reason: str = "", **details: Any) -> None:
    """One entry `gazette.<action>` on `gazette_post:<id>` in the platform's audit log (call it
    inside the transaction of the action: both commit or neither)."""
    await audit.record(actor, f"gazette.{action}", f"gazette_post:{row['id']}",
                       {"title": row["title"], "community_id": row["community"], "reason": reason, **details},
                       commune_id=row["commune"])


def audience_of(row: dict[str, Any]) -> tuple[int | None, int | None, Iterable[int]]:
    """(community, commune, chosen communities) a live event about this post goes to."""
    if row["kind"] != MAIRIE:
        return row["community"], None, ()
    if row["all_communities"]:
        return None, row["commune"], ()
    return None, None, row.get("targets") or ()
