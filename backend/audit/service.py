"""The audit log's service: every staff, moderator and admin action, readable and exportable by admins.

Other domains call `record(actor_id, action, target, details)`; called inside a
transaction, the entry is written (or rolled back) with the action itself.
"""

from __future__ import annotations

import json
from typing import Any

from backend.audit.schemas import AuditOut, AuditPage
from backend.audit.tables import AuditEntry
from backend.auth.tables import User
from backend.lib import clock
from babel.dates import format_datetime

from backend.lib.csvout import csv_bytes
from backend.lib.french import PARIS
from backend.lib.errors import DomainError


async def record(actor_id: int | None, action: str, target: str = "", details: dict[str, Any] | None = None,
                 *, commune_id: int | None = None) -> None:
    """Append one entry: who (`actor_id`), did what (`action`, e.g. "broadcast.create") to what
    (`target`, e.g. "broadcast:12"), with `details` (a JSON-able dict), in which commune if any."""
    name = ""
    if actor_id is not None:
        row = await User.select(User.first_name, User.last_name).where(User.id == actor_id).first()
        name = f"{row['first_name']} {row['last_name']}".strip() if row else ""
    await AuditEntry.insert(AuditEntry(
        actor=actor_id, actor_name=name[:201], action=action[:40], target=target[:60], commune=commune_id,
        details=json.dumps(details or {}, ensure_ascii=False, default=str), created_at=clock.now()))


def _out(r: dict[str, Any]) -> AuditOut:
    return AuditOut(id=r["id"], actor_id=r["actor"], actor_name=r["actor_name"], action=r["action"], target=r["target"],
                    commune_id=r["commune"], details=json.loads(r["details"] or "{}"),
                    created_at=r["created_at"].isoformat())


def _query(action: str | None, actor_id: int | None, commune_id: int | None) -> Any:
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False)
    if action:
        query = query.where(AuditEntry.action.like(f"{action}%"))
    if actor_id is not None:
        query = query.where(AuditEntry.actor == actor_id)
    if commune_id is not None:
        query = query.where(AuditEntry.commune == commune_id)
    return query


async def entries(action: str | None = None, actor_id: int | None = None, commune_id: int | None = None,
                  before: int | None = None, limit: int = 100) -> AuditPage:
    """Newest first; `action` matches a prefix ("broadcast." gives every broadcast action)."""
    if not 1 <= limit <= 500:
        raise DomainError("La limite doit être comprise entre 1 et 500.", "invalid_limit")
    query = _query(action, actor_id, commune_id).limit(limit + 1)
    if before:
        query = query.where(AuditEntry.id < before)
    rows = await query
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=[_out(r) for r in rows], next_before=rows[-1]["id"] if more and rows else None)


async def export_csv(action: str | None = None, actor_id: int | None = None, commune_id: int | None = None) -> bytes:
    """The whole (filtered) log as CSV, newest first."""
    rows = await _query(action, actor_id, commune_id)
    return csv_bytes(["id", "date (heure de Paris)", "acteur_id", "acteur", "action", "cible", "commune_id", "details"],
                     [[r["id"], format_datetime(r["created_at"], "dd/MM/y HH:mm:ss", tzinfo=PARIS, locale="fr_FR"), r["actor"], r["actor_name"], r["action"], r["target"],
                       r["commune"], r["details"]] for r in rows])
