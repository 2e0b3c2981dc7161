"""A post's photos: added by its author (all or nothing), removed, served to those who may read it."""

from __future__ import annotations

from functools import partial
from typing import Any, Mapping

from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.gazette import photos
from backend.gazette.access import visible
from backend.gazette.live import publish_post_event, row_of
from backend.gazette.schemas import PostOut
from backend.gazette.tables import GazettePhoto
from backend.gazette.views import post_out
from backend.lib.errors import DomainError, Forbidden, NotFound
from backend.lib.images import upload_limit
from backend.lib.storage import MediaStorage, StoredFile


async def upload_photos(res: Mapping[str, Any], principal: Principal, post_id: int, raws: list[bytes]) -> PostOut:
    """Photos sent from the app, within the person's hourly number of photos (`res`: `app.state`)."""
    settings = res["settings"]
    limit = upload_limit(res["valkey"], principal.user_id, settings.photos_per_hour)
    await limit.check(max(len(raws), 1))
    updated = await add_photos(res["storage"], principal, post_id, raws, res=res)
    await limit.count(len(raws))
    return updated


async def add_photos(storage: MediaStorage, principal: Principal, post_id: int, raws: list[bytes], *,
                     res: Mapping[str, Any] | None = None) -> PostOut:
    """Check and re-encode every upload first; then write the files and rows, or nothing.
    With `res` (`app.state`), the live streams hear of it once committed."""
    row = await visible(principal, post_id, published=True)
    if row["author"] != principal.user_id:
        raise Forbidden("Seul l'auteur peut ajouter des photos à sa publication.", "not_author")
    if not raws:
        raise DomainError("Ajoutez au moins une photo (champ « photos »).", "photo_missing")
    have = await GazettePhoto.count().where(GazettePhoto.post == post_id)
    if have + len(raws) > photos.MAX_PHOTOS:
        raise DomainError(f"{photos.MAX_PHOTOS} photos au plus par publication (déjà {have}).", "too_many_photos")
    encoded = await photos.encode_all(raws)
    names = await photos.store_all(storage, encoded)
    try:
        async with write_transaction():
            await GazettePhoto.insert(*[
                GazettePhoto(post=post_id, file_name=name, media_type=e.media_type, width=e.width, height=e.height,
                             size_bytes=len(e.data), position=have + i)
                for i, (name, e) in enumerate(zip(names, encoded))])
            post = await post_out(principal, post_id)
            if res is not None:
                on_commit(partial(publish_post_event, res, "gazette.post_updated", row_of(post)))
    except BaseException:
        await photos.remove_all(storage, names)
        raise
    return post


async def _photo(photo_id: int) -> dict:
    row = await GazettePhoto.select().where(GazettePhoto.id == photo_id).first()
    if row is None:
        raise NotFound("Cette photo n'existe pas (ou plus).", "photo_not_found")
    return row


async def delete_photo(storage: MediaStorage, principal: Principal, photo_id: int, *,
                       res: Mapping[str, Any] | None = None) -> PostOut:
    """The author takes a photo off their post.
    With `res` (`app.state`), the live streams hear of it once committed."""
    photo = await _photo(photo_id)
    row = await visible(principal, photo["post"])
    if row["author"] != principal.user_id:
        raise Forbidden("Seul l'auteur peut retirer une photo de sa publication.", "not_author")
    async with write_transaction():
        await GazettePhoto.delete().where(GazettePhoto.id == photo_id)
        post = await post_out(principal, row["id"])
        if res is not None:
            on_commit(partial(publish_post_event, res, "gazette.post_updated", row_of(post)))
    await photos.remove_all(storage, [photo["file_name"]])
    return post


async def photo_file(storage: MediaStorage, principal: Principal, photo_id: int) -> tuple[StoredFile, str]:
    """The stored file, opened to be streamed, and its type, if this person may read the post."""
    photo = await _photo(photo_id)
    await visible(principal, photo["post"])
    stored = await storage.open(photos.key(photo["file_name"]))
    if stored is None:
        raise NotFound("Cette photo n'existe pas (ou plus).", "photo_not_found")
    return stored, photo["media_type"]
