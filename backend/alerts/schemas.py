from __future__ import annotations

from typing import Any

import msgspec


class AlertIn(msgspec.Struct):
    category: str
    title: str
    body: str
    place: str = ""
    notify_mairie: bool = False
    notify_police: bool = False


class ResolveIn(msgspec.Struct):
    resolution: str


class ModerateIn(msgspec.Struct):
    action: str
    reason: str = ""


class Author(msgspec.Struct):
    id: int
    name: str


class AlertOut(msgspec.Struct):
    id: int
    community_id: int
    community_name: str
    category: str
    category_label: str
    urgent: bool
    title: str
    body: str
    place: str
    notify_mairie: bool
    notify_police: bool
    author: Author
    created_at: str
    resolution: str
    resolved_at: str | None
    moderation: str
    moderation_reason: str
    source: str
    police_no_contact: bool = False
    delivery: dict[str, Any] | None = None


class AlertOptions(msgspec.Struct):
    """What the alert form may offer in a community."""

    police_contact: bool  # the commune (or the platform) has a police/gendarmerie referent's address
    mairie: bool  # the commune's mairie takes part (has staff who read forwarded alerts)


class AlertPage(msgspec.Struct):
    items: list[AlertOut]
    next_before: int | None


class ModerationEntry(msgspec.Struct):
    action: str
    reason: str
    moderator: str
    created_at: str
