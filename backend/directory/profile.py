"""One's own directory profile: what a member writes about themself (presentation, interests, the
« Je peux aider pour… » skills), who may see each contact field, and their photo. Every field is
checked before anything is written; a photo is re-encoded from its content (`photos.reencode`).
How others see the profile is in `backend.directory.service`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec

from backend.communities.service import street_of
from backend.db import write_transaction
from backend.directory import photos
from backend.directory.schemas import MyProfile, ProfileIn, Skill
from backend.directory.service import DEFAULT_VISIBILITY, SKILLS, full_address, json_list, photo_url
from backend.directory.tables import Profile, ProfilePhoto
from backend.lib import clock
from backend.lib.errors import DomainError, NotFound
from backend.lib.sql import bulk_insert
from backend.lib.text import unaccent

VISIBILITIES = ("community", "referents", "nobody")
LIMITS = {"bio": 300, "help_note": 200, "other_contact": 200}
MAX_INTERESTS, INTEREST_LEN = 12, 30
MAX_SKILLS_OTHER, SKILL_OTHER_LEN = 5, 40


async def get_my_profile(user_id: int) -> MyProfile:
    """All of the member's own profile, visibilities included (defaults before any edit)."""
    rows = await Profile.raw(
        "SELECT u.id AS user_id, u.first_name, u.last_name, u.email, u.phone, u.address_line1, u.address_line2, "
        "p.bio, p.interests, p.skills, p.skills_other, p.help_note, p.other_contact, p.phone_visibility, "
        "p.email_visibility, p.other_contact_visibility, p.address_visibility, p.photo_version, p.updated_at "
        'FROM users u LEFT JOIN directory_profiles p ON p."user" = u.id WHERE u.id = {}', user_id)
    if not rows:
        raise NotFound("Compte introuvable.", "user_not_found")
    r = rows[0]
    def value(name: str) -> str:  # no profile row yet: the defaults
        return r[name] if r[name] is not None else DEFAULT_VISIBILITY.get(name, "")

    updated = r["updated_at"]
    return MyProfile(
        user_id=r["user_id"], first_name=r["first_name"], last_name=r["last_name"],
        street=street_of(r["address_line1"]), address=full_address(r), phone=r["phone"], email=r["email"],
        photo_url=photo_url(r["user_id"], r["photo_version"]), bio=value("bio"), interests=json_list(r["interests"]),
        skills=[Skill(c, SKILLS[c]) for c in json_list(r["skills"]) if c in SKILLS], skills_other=json_list(r["skills_other"]),
        help_note=value("help_note"), other_contact=value("other_contact"),
        phone_visibility=value("phone_visibility"), email_visibility=value("email_visibility"),
        other_contact_visibility=value("other_contact_visibility"), address_visibility=value("address_visibility"),
        updated_at=updated.isoformat() if updated else None,
    )


def _text(value: str, field: str, label: str) -> str:
    value = value.strip()
    if len(value) > LIMITS[field]:
        raise DomainError(f"{label} est trop long ({LIMITS[field]} caractères au plus).", f"invalid_{field}")
    return value


def _tags(values: list[str], most: int, longest: int, code: str, label: str) -> str:
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        tag = " ".join(raw.split())
        if not tag:
            continue
        if not 2 <= len(tag) <= longest:
            raise DomainError(f"{label} : chaque entrée fait entre 2 et {longest} caractères.", code)
        if unaccent(tag) not in seen:
            seen.add(unaccent(tag))
            out.append(tag)
    if len(out) > most:
        raise DomainError(f"{label} : {most} au plus.", code)
    return json.dumps(out, ensure_ascii=False)


def _changes(data: ProfileIn) -> dict[str, Any]:
    """Validated column values for the fields present in `data` (French errors otherwise)."""
    changes: dict[str, Any] = {}
    for field, label in (("bio", "La présentation"), ("help_note", "Le texte « Je peux aider pour… »"),
                         ("other_contact", "L'autre contact")):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            changes[field] = _text(value, field, label)
    if data.interests is not msgspec.UNSET:
        changes["interests"] = _tags(data.interests, MAX_INTERESTS, INTEREST_LEN, "invalid_interests",
                                     "Centres d'intérêt")
    if data.skills_other is not msgspec.UNSET:
        changes["skills_other"] = _tags(data.skills_other, MAX_SKILLS_OTHER, SKILL_OTHER_LEN, "invalid_skills",
                                        "Autres coups de main")
    if data.skills is not msgspec.UNSET:
        unknown = [s for s in data.skills if s not in SKILLS]
        if unknown:
            raise DomainError(f"Compétence inconnue : {', '.join(unknown)}.", "invalid_skills")
        changes["skills"] = json.dumps(list(dict.fromkeys(data.skills)))
    for field in ("phone_visibility", "email_visibility", "other_contact_visibility", "address_visibility"):
        value = getattr(data, field)
        if value is msgspec.UNSET:
            continue
        if value not in VISIBILITIES:
            raise DomainError("Visibilité inconnue : « community », « referents » ou « nobody ».",
                              "invalid_visibility")
        changes[field] = value
    return changes


async def _upsert(user_id: int, values: dict[str, Any]) -> None:
    """Update the member's profile row, creating it first if needed (inside a write transaction)."""
    values = {**values, "updated_at": clock.now()}
    await bulk_insert(Profile, ["user"], [(user_id,)])  # the row with its defaults, unless it exists
    await Profile.update({getattr(Profile, k): v for k, v in values.items()}).where(Profile.user == user_id)


async def update_profile(user_id: int, data: ProfileIn) -> MyProfile:
    """Change the fields sent; nothing is written when one of them is invalid."""
    changes = _changes(data)
    if changes:
        async with write_transaction():
            await _upsert(user_id, changes)
    return await get_my_profile(user_id)


async def set_photo(user_id: int, raw: bytes) -> MyProfile:
    """Replace the member's photo by a clean re-encoding of `raw` (checked by content)."""
    photo = await asyncio.to_thread(photos.reencode, raw)
    async with write_transaction():
        current = await Profile.select(Profile.photo_version).where(Profile.user == user_id).first()
        # The version only grows (a deleted photo keeps it, negated): a photo URL never comes back.
        await _upsert(user_id, {"photo_version": abs(current["photo_version"] if current else 0) + 1})
        await ProfilePhoto.delete().where(ProfilePhoto.user == user_id)
        await ProfilePhoto.insert(ProfilePhoto(user=user_id, data=photo.data, width=photo.width, height=photo.height))
    return await get_my_profile(user_id)


async def delete_photo(user_id: int) -> None:
    """Remove the member's photo (its URL stops answering)."""
    async with write_transaction():
        await ProfilePhoto.delete().where(ProfilePhoto.user == user_id)
        await Profile.raw('UPDATE directory_profiles SET photo_version = -ABS(photo_version), updated_at = {} '
                          'WHERE "user" = {}', clock.now(), user_id)
