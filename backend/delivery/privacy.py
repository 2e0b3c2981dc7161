"""What the delivery engine holds about a person, and how long it keeps its records (privacy domain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.delivery.tables import Delivery, DeliveryPreference, PushSubscription
from backend.lib import sql
from backend.lib.personal_data import OnErase, PersonalData, Retention

PERSONAL_DATA = [
    PersonalData(PushSubscription, "user", OnErase.DELETE, "Mes appareils qui reçoivent les notifications",
                 hidden=("endpoint", "p256dh", "auth")),
    PersonalData(DeliveryPreference, "user", OnErase.DELETE, "Mes préférences de notification",
                 hidden=("email_token",)),
    PersonalData(Delivery, "user", OnErase.DELETE, "Les notifications qui m'ont été envoyées",
                 hidden=("worker", "lease_until")),
]


async def purge_deliveries(settings: Any, cutoff: datetime) -> int:
    """Delivery rows (and their receipts: received, opened) older than the cut-off, once settled."""
    return await sql.in_batches(Delivery, (Delivery.created_at < cutoff) & Delivery.state.not_in(["queued", "sending"]),
                                pause=settings.retention_pause_ratio)


RETENTION = [
    Retention("retention_delivery_days", "Le suivi de chaque notification (envoyée, reçue, ouverte, échouée)",
              "Pour montrer à l'auteur d'une alerte qui a été prévenu, et vérifier que les envois fonctionnent.",
              purge_deliveries),
]
