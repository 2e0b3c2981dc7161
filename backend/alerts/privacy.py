"""What the alerts hold about a person, and the blurring of old suspect descriptions (privacy domain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.alerts.tables import Alert, ModerationAction
from backend.lib import sql
from backend.lib.personal_data import OnErase, PersonalData, Retention

BLURRED = "Description retirée après quelques jours pour protéger les personnes décrites."
"""What an old « personne suspecte » alert says in place of its description."""

PERSONAL_DATA = [
    # The idempotency key is unique per author: anonymised alerts share one author.
    PersonalData(Alert, "author", OnErase.ANONYMISE, "Mes alertes", hidden=("idempotency_key",),
                 scrub={"idempotency_key": None}),
    PersonalData(ModerationAction, "moderator", OnErase.ANONYMISE, "Mes décisions de modération"),
]


async def blur_suspect_descriptions(settings: Any, cutoff: datetime) -> int:
    """A « personne suspecte » alert older than the cut-off loses its description (its title and place stay)."""
    return await sql.in_batches(
        Alert, (Alert.category == "suspicious_person") & (Alert.created_at < cutoff) & (Alert.body != BLURRED),
        {Alert.body: BLURRED}, pause=settings.retention_pause_ratio)


RETENTION = [
    Retention("retention_suspect_description_days", "La description des personnes dans les alertes « personne suspecte »",
              "Utile aux voisins le temps de l'alerte ; ensuite elle ne sert plus et pourrait nuire à la personne décrite.",
              blur_suspect_descriptions),
]
