"""What the Gazette holds about a person, and the removal of long-expired classifieds (privacy domain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.gazette.photos import remove_all
from backend.gazette.tables import (
    GazetteComment, GazettePhoto, GazettePost, GazetteReport, GazetteRideRequest, GazetteRsvp,
)
from backend.lib import sql
from backend.lib.personal_data import OnErase, PersonalData, Retention
from backend.lib.storage import make_storage


async def return_seats(user_id: int) -> None:
    """The seats an erased member had in carpools (accepted requests) go back to the carpools."""
    await GazettePost.raw(
        "UPDATE gazette_posts SET seats_taken = seats_taken - 1 WHERE seats_taken > 0 AND id IN "
        "(SELECT post FROM gazette_ride_requests WHERE \"user\" = {} AND status = 'accepted')", user_id)


PERSONAL_DATA = [
    PersonalData(GazettePost, "author", OnErase.ANONYMISE, "Mes publications dans la Gazette",
                 hidden=("search_text",)),
    PersonalData(GazettePost, "pinned_by", OnErase.ANONYMISE, "Publications épinglées par moi", export=False),
    PersonalData(GazetteComment, "author", OnErase.ANONYMISE, "Mes commentaires dans la Gazette"),
    PersonalData(GazetteRsvp, "user", OnErase.DELETE, "Mes réponses aux événements"),
    PersonalData(GazetteRideRequest, "user", OnErase.DELETE, "Mes demandes de covoiturage",
                 before_erase=return_seats),
    PersonalData(GazetteReport, "reporter", OnErase.ANONYMISE, "Mes signalements de publications"),
    PersonalData(GazetteReport, "handled_by", OnErase.ANONYMISE, "Signalements traités par moi", export=False),
]


async def purge_expired_classifieds(settings: Any, cutoff: datetime) -> int:
    """Classifieds expired before the cut-off go, with their photos (rows and files)."""
    posts = [r["id"] for r in await GazettePost.select(GazettePost.id).where(
        (GazettePost.kind == "classified") & (GazettePost.expires_at < cutoff))]
    if not posts:
        return 0
    files = []
    for part in sql.chunks(posts, sql.BATCH_ROWS):  # short statements: see sql.in_batches
        files += [r["file_name"] for r in await GazettePhoto.select(GazettePhoto.file_name).where(
            GazettePhoto.post.is_in(list(part)))]
        await GazettePost.delete().where(GazettePost.id.is_in(list(part)))  # photos, comments… follow (cascade)
    storage = make_storage(settings)  # a daily job: its own connection to the media storage
    try:
        await remove_all(storage, files)
    finally:
        await storage.close()
    return len(posts)


RETENTION = [
    Retention("retention_expired_classified_days", "Les petites annonces expirées",
              "Elles ne sont plus affichées ; on les garde un peu au cas où leur auteur voudrait les relire.",
              purge_expired_classifieds),
]
