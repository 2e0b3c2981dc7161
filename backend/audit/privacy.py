"""The audit log and the privacy domain: kept after an account is erased, for a year (declared in domain.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.audit.tables import AuditEntry
from backend.lib import sql
from backend.lib.personal_data import OnErase, PersonalData, Retention

PERSONAL_DATA = [
    # Accountability of staff and moderators outlives their account, for the retention below.
    PersonalData(AuditEntry, "actor", OnErase.KEEP, "Mes actions au journal (mairie, modération, administration)"),
]


async def purge_audit(settings: Any, cutoff: datetime) -> int:
    """Audit entries older than the cut-off."""
    return await sql.in_batches(AuditEntry, AuditEntry.created_at < cutoff, pause=settings.retention_pause_ratio)


RETENTION = [
    Retention("retention_audit_days", "Le journal des actions de la mairie, des modérateurs et des administrateurs",
              "Pour pouvoir répondre de chaque décision (masquer une alerte, lire une conversation signalée…).",
              purge_audit),
]
