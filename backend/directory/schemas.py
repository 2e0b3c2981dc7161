from __future__ import annotations

import msgspec


class Skill(msgspec.Struct):
    code: str
    label: str


class ProfileIn(msgspec.Struct):
    """A partial update of one's own profile: only the fields sent change."""

    bio: str | msgspec.UnsetType = msgspec.UNSET
    interests: list[str] | msgspec.UnsetType = msgspec.UNSET
    skills: list[str] | msgspec.UnsetType = msgspec.UNSET
    skills_other: list[str] | msgspec.UnsetType = msgspec.UNSET
    help_note: str | msgspec.UnsetType = msgspec.UNSET
    other_contact: str | msgspec.UnsetType = msgspec.UNSET
    phone_visibility: str | msgspec.UnsetType = msgspec.UNSET
    email_visibility: str | msgspec.UnsetType = msgspec.UNSET
    other_contact_visibility: str | msgspec.UnsetType = msgspec.UNSET
    address_visibility: str | msgspec.UnsetType = msgspec.UNSET


class Contacts(msgspec.Struct):
    """Contact fields the viewer may see (null: hidden from them, or empty)."""

    phone: str | None = None
    email: str | None = None
    other: str | None = None


class Card(msgspec.Struct):
    """What a member tells about themself, the same in the directory and in their own profile."""

    photo_url: str | None
    bio: str
    interests: list[str]
    skills: list[Skill]
    skills_other: list[str]
    help_note: str


class DirectoryEntry(Card):
    user_id: int
    first_name: str
    last_name: str
    name: str
    role: str  # member | referent
    street: str
    address: str | None  # full address with the house number, when shared with the viewer
    contacts: Contacts
    is_me: bool


class DirectoryPage(msgspec.Struct):
    """A page of a community's directory, by name: `next_after` asks for the next one (null: the last)."""

    items: list[DirectoryEntry]
    total: int  # members matching the search (all the listed members without one)
    next_after: str | None


class MyProfile(Card):
    user_id: int
    first_name: str
    last_name: str
    street: str
    address: str
    phone: str
    email: str
    other_contact: str
    phone_visibility: str
    email_visibility: str
    other_contact_visibility: str
    address_visibility: str
    updated_at: str | None
