"""The directory: who lives in the neighbourhood, what they can help with, how to reach them.

Only active (and not suspended) members of a community are listed, and only to the people the
route guards let in: its active members, moderators and admins. Each contact field — phone,
e-mail, "autre contact" and the full address with the house number — carries its own
visibility: `community` (every active member of a community the member belongs to),
`referents` (only that community's referents) or `nobody`. A member always sees all of their
own fields. Moderators and admins who are not members see the profile (to moderate it) but
never a contact field. Mairie staff do not see the directory. One's own profile (editing it, the
photo) is in `backend.directory.profile`.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.auth.principal import Principal
from backend.communities.service import street_of
from backend.directory.schemas import Contacts, DirectoryEntry, DirectoryPage, Skill
from backend.directory.tables import Profile, ProfilePhoto
from backend.lib.errors import DomainError, NotFound
from backend.lib.sql import placeholders, raw, select_in
from backend.lib.text import unaccent

SKILLS = {
    "courses": "Courses",
    "bricolage": "Bricolage",
    "jardinage": "Jardinage",
    "garde_animaux": "Garde d'animaux",
    "arrosage": "Arrosage des plantes pendant les absences",
    "colis": "Réception de colis",
    "informatique": "Informatique et téléphone",
    "administratif": "Démarches administratives",
    "transport": "Accompagnement en voiture",
    "visite": "Visite et compagnie",
    "veille_episodes": "Appeler ou passer voir des personnes fragiles (canicule, grand froid)",
    "cuisine": "Cuisine",
    "couture": "Couture",
    "soutien_scolaire": "Soutien scolaire",
    "langues": "Langues étrangères",
    "pret_materiel": "Prêt de matériel",
    "demenagement": "Coup de main pour un déménagement",
}
DEFAULT_VISIBILITY = {"phone_visibility": "nobody", "email_visibility": "nobody",
                      "other_contact_visibility": "community", "address_visibility": "nobody"}

# Who a community's directory lists: its active members whose account is not suspended. Every read
# below ends with it (`memberships m JOIN users u`); its arguments are (community_id, False).
_LISTED = "WHERE m.community = {} AND m.status = 'active' AND u.is_suspended = {}"

# One query for a community's listed members: account fields, role and profile (photos apart).
_MEMBERS_SQL = (
    "SELECT u.id AS user_id, u.first_name, u.last_name, u.sort_name, u.email, u.phone, u.address_line1, "
    "u.address_line2, m.role, p.bio, p.interests, p.skills, p.skills_other, p.help_note, p.other_contact, "
    "p.phone_visibility, p.email_visibility, p.other_contact_visibility, p.address_visibility, p.photo_version "
    'FROM memberships m JOIN users u ON u.id = m."user" LEFT JOIN directory_profiles p ON p."user" = u.id '
    + _LISTED
)


def skill_list() -> list[Skill]:
    """The fixed « Je peux aider pour… » list, in display order."""
    return [Skill(code=code, label=label) for code, label in SKILLS.items()]


def json_list(raw: str | None) -> list[str]:
    return json.loads(raw) if raw else []


def full_address(row: dict[str, Any]) -> str:
    return ", ".join(part for part in (row["address_line1"].strip(), (row["address_line2"] or "").strip()) if part)


def photo_url(user_id: int, version: int | None) -> str | None:
    return f"/api/v1/directory/photos/{user_id}?v={version}" if version and version > 0 else None


def _viewer_level(principal: Principal, community_id: int) -> str:
    """referent | member | outsider (moderators and admins who are not members)."""
    if principal.is_referent(community_id):
        return "referent"
    return "member" if principal.is_active_member(community_id) else "outsider"


def _shown(visibility: str, level: str) -> bool:
    return (visibility == "community" and level in ("member", "referent")) or (
        visibility == "referents" and level == "referent")


def _entry(row: dict[str, Any], principal: Principal, level: str) -> DirectoryEntry:
    me = row["user_id"] == principal.user_id

    def may(column: str) -> bool:
        return me or _shown(row[column] or DEFAULT_VISIBILITY[column], level)

    contacts = Contacts(
        phone=row["phone"] or None if may("phone_visibility") else None,
        email=row["email"] or None if may("email_visibility") else None,
        other=row["other_contact"] or None if may("other_contact_visibility") else None,
    )
    return DirectoryEntry(
        user_id=row["user_id"], first_name=row["first_name"], last_name=row["last_name"],
        name=f"{row['first_name']} {row['last_name']}".strip(), role=row["role"],
        street=street_of(row["address_line1"]), address=full_address(row) if may("address_visibility") else None,
        photo_url=photo_url(row["user_id"], row["photo_version"]), bio=row["bio"] or "",
        interests=json_list(row["interests"]), skills=[Skill(c, SKILLS[c]) for c in json_list(row["skills"]) if c in SKILLS],
        skills_other=json_list(row["skills_other"]), help_note=row["help_note"] or "", contacts=contacts, is_me=me,
    )


def _haystack(row: dict[str, Any]) -> str:
    """What `q` searches in a member's row (of _MEMBERS_SQL or _SEARCH_SQL): name, street (never the
    house number), interests and skills, folded."""
    skills = [SKILLS[c] for c in json_list(row["skills"]) if c in SKILLS]
    parts = [f"{row['first_name']} {row['last_name']}".strip(), street_of(row["address_line1"]),
             *json_list(row["interests"]), *skills, *json_list(row["skills_other"]), row["help_note"] or ""]
    return unaccent(" ".join(parts))


def _tokens(q: str) -> list[str]:
    return [t for t in re.split(r"[\W_]+", unaccent(q)) if t]


async def list_directory(principal: Principal, community_id: int, q: str = "") -> list[DirectoryEntry]:
    """The community's active members, by name, as the viewer may see them; `q` filters.

    A neighbourhood's directory is read whole (the app keeps it for offline reading), so the
    search folds and matches here, identically on both database engines: every word of `q`
    must appear in the member's name, street, interests or skills, accents and case aside.
    """
    level = _viewer_level(principal, community_id)
    rows = await Profile.raw(_MEMBERS_SQL, community_id, False)
    tokens = _tokens(q)
    if tokens:
        rows = [r for r in rows if all(t in _haystack(r) for t in tokens)]
    return [_entry(r, principal, level) for r in sorted(rows, key=lambda r: (r["sort_name"], r["user_id"]))]


# What a search reads of every listed member (a few columns each): the rows it keeps are then read whole.
_SEARCH_SQL = (
    "SELECT u.id AS user_id, u.sort_name, u.first_name, u.last_name, u.address_line1, p.interests, p.skills, "
    'p.skills_other, p.help_note FROM memberships m JOIN users u ON u.id = m."user" '
    'LEFT JOIN directory_profiles p ON p."user" = u.id ' + _LISTED
)
_PAGE_SQL = (
    'SELECT u.id AS user_id, u.sort_name, COUNT(*) OVER () AS n FROM memberships m JOIN users u ON u.id = m."user" '
    + _LISTED
)
_COUNT_SQL = 'SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m."user" ' + _LISTED
PAGE_DEFAULT, PAGE_MAX = 30, 100
SortKey = tuple[str, int]
"""(users.sort_name, user id): the directory's order, and its pages' keyset."""


def _cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, ensure_ascii=False).encode()).decode().rstrip("=")


def _after(cursor: str) -> SortKey:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], int):
            return key[0], key[1]
        if len(key) == 3 and all(isinstance(k, str) for k in key[:2]) and isinstance(key[2], int):
            return f"{key[0]}\t{key[1]}", key[2]  # a page asked for before 2 Dec 2026: (last, first, id) folded
    except (ValueError, TypeError):
        pass
    raise DomainError("Ce lien vers la suite de l'annuaire n'est pas valable : rechargez la page.", "invalid_cursor")


def _by_name() -> str:
    """The directory's order in SQL: code points, as Python and SQLite compare (PostgreSQL's own
    collation would sort otherwise, and pages would not meet)."""
    return ' COLLATE "C"' if isinstance(Profile._meta.db, PostgresEngine) else ""


async def directory_page(principal: Principal, community_id: int, q: str = "", limit: int = PAGE_DEFAULT,
                         after: str | None = None) -> DirectoryPage:
    """`limit` members of the directory, by name (as `list_directory`), after the cursor `after`.

    Without a search, one query picks the page's ids in the order of `users.sort_name` (the folded
    name stored with the names) from the cursor on, and counts the directory (a window over the same
    rows; a later page counts apart): a 2,000-member directory's first page no longer reads and
    sorts the 2,000 names in Python (7.1 ms of CPU a page, bench/scale.py). A search reads a few
    columns of every listed member, folds and matches them here (identically on both engines).
    Either way only the page's members are then read whole."""
    if not 1 <= limit <= PAGE_MAX:
        raise DomainError(f"Une page de l'annuaire compte de 1 à {PAGE_MAX} membres.", "invalid_page_size")
    start = _after(after) if after else None
    level = _viewer_level(principal, community_id)
    tokens = _tokens(q)
    if tokens:
        rows = await raw(Profile, _SEARCH_SQL, community_id, False)
        keyed = sorted((r["sort_name"], r["user_id"]) for r in rows if all(t in _haystack(r) for t in tokens))
        first = bisect.bisect_right(keyed, start) if start else 0
        page, total = keyed[first:first + limit + 1], len(keyed)
    else:
        order = _by_name()
        sql = _PAGE_SQL + (f" AND (u.sort_name{order}, u.id) > ({{}}, {{}})" if start else "")
        rows = await raw(Profile, sql + f" ORDER BY u.sort_name{order}, u.id LIMIT {{}}", community_id, False,
                         *(start or ()), limit + 1)
        page = [(r["sort_name"], r["user_id"]) for r in rows]
        # The window counts the rows the keyset leaves: all of them on a first page, as the PWA opens it.
        total = int(rows[0]["n"]) if rows and not start else int(
            (await raw(Profile, _COUNT_SQL, community_id, False))[0]["n"])
    ids = [user_id for _, user_id in page[:limit]]
    full = {r["user_id"]: r for r in await select_in(Profile, _MEMBERS_SQL + " AND u.id", ids, community_id, False)}
    members = [full[i] for i in ids if i in full]
    more = len(page) > limit
    return DirectoryPage(items=[_entry(r, principal, level) for r in members], total=total,
                         next_after=_cursor(page[limit - 1]) if more else None)


async def get_entry(principal: Principal, community_id: int, user_id: int) -> DirectoryEntry:
    """One member's card in this community's directory (404 unless they are listed there)."""
    rows = await Profile.raw(_MEMBERS_SQL + " AND u.id = {}", community_id, False, user_id)
    if not rows:
        raise NotFound("Ce membre ne figure pas dans l'annuaire du quartier.", "member_not_found")
    return _entry(rows[0], principal, _viewer_level(principal, community_id))


# Photos ----------------------------------------------------------------------------------------

async def _listed_with(user_id: int, community_ids: list[int]) -> bool:
    """Is `user_id` listed in the directory of one of these communities?"""
    if not community_ids:
        return False
    rows = await Profile.raw(
        'SELECT 1 AS ok FROM memberships m JOIN users u ON u.id = m."user" WHERE m."user" = {} '
        f"AND m.status = 'active' AND u.is_suspended = {{}} AND m.community IN ({placeholders(len(community_ids))})",
        user_id, False, *community_ids)
    return bool(rows)


async def get_photo(principal: Principal, user_id: int) -> bytes:
    """The photo, for the member, people listed with them in a community, moderators and admins."""
    if not (user_id == principal.user_id or principal.is_moderator or principal.is_admin
            or await _listed_with(user_id, principal.active_community_ids)):
        raise NotFound("Photo introuvable.", "photo_not_found")
    row = await ProfilePhoto.select(ProfilePhoto.data).where(ProfilePhoto.user == user_id).first()
    if row is None:
        raise NotFound("Photo introuvable.", "photo_not_found")
    return bytes(row["data"])



async def photo_urls(user_ids: list[int]) -> dict[int, str | None]:
    """Photo URLs of these people (for other screens that show members, e.g. conversations)."""
    rows = await select_in(Profile, 'SELECT "user", photo_version FROM directory_profiles WHERE "user"', user_ids)
    found = {r["user"]: photo_url(r["user"], r["photo_version"]) for r in rows}
    return {u: found.get(u) for u in user_ids}


# For other screens that embed a member -------------------------------------------------------

CONTACT_FIELDS = {"phone": "phone_visibility", "email": "email_visibility", "other_contact": "other_contact_visibility",
                  "address": "address_visibility"}


async def contact_visibilities(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Each person's own choice of who sees their phone, e-mail, other contact and full address
    ({user id: {"phone": "nobody", …}}; the defaults for someone who never edited their profile)."""
    rows = await select_in(Profile, 'SELECT "user", phone_visibility, email_visibility, other_contact_visibility, '
                                    'address_visibility FROM directory_profiles WHERE "user"', list(user_ids))
    found = {r["user"]: r for r in rows}
    return {u: {field: (found[u][column] if u in found and found[u][column] else DEFAULT_VISIBILITY[column])
                for field, column in CONTACT_FIELDS.items()} for u in user_ids}


def shown_to(visibilities: dict[str, str], field: str, level: str) -> bool:
    """May a viewer at `level` (member | referent | outsider) of the person's community see `field`
    ("phone", "email", "other_contact", "address") under the person's own settings?"""
    return _shown(visibilities[field], level)
