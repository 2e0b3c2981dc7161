"""What the audit log's readers get (admins)."""

from __future__ import annotations

from typing import Any

import msgspec


class AuditOut(msgspec.Struct):
    id: int
    actor_id: int | None
    actor_name: str
    action: str
    target: str
    commune_id: int | None
    details: dict[str, Any]
    created_at: str


class AuditPage(msgspec.Struct):
    items: list[AuditOut]
    next_before: int | None
