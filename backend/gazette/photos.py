"""Gazette photos: checked by content, re-encoded without metadata, stored under random names
in the media storage (backend.lib.storage: a local folder or an S3-compatible bucket).

The file name and Content-Type the phone sends are ignored: Pillow tells what the bytes are,
and only JPEG, PNG and WebP pass. The stored file is re-encoded from the pixels (turned
upright from the EXIF orientation, in sRGB, at most MAX_SIDE pixels on its longest side), so
EXIF (GPS position included), XMP, ICC profiles and comments never reach other members (see
backend.lib.images). Opaque images become JPEG; images with transparency stay WebP with their
alpha channel.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from dataclasses import dataclass

from PIL import Image

from backend.lib.errors import DomainError
from backend.lib.images import ImageProblem, open_upload
from backend.lib.storage import MediaStorage

log = logging.getLogger(__name__)

MAX_PHOTOS = 4
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
QUALITY = 82
SUBFOLDER = "gazette"


class PhotoRejected(DomainError):
    """The upload is not a photo we keep; `status_code` says why (413 size, 415 type, 400 other)."""


@dataclass(frozen=True)
class Encoded:
    data: bytes
    media_type: str
    extension: str
    width: int
    height: int


def _decode(raw: bytes, label: str) -> Image.Image:
    try:
        return open_upload(raw, max_side=MAX_SIDE)
    except ImageProblem as problem:
        if problem.kind == "too_many_pixels":
            raise PhotoRejected(f"{label} a trop de pixels (40 millions au plus).", "photo_too_many_pixels", 413) from None
        if problem.kind == "not_an_image":
            raise PhotoRejected(f"{label} n'est pas une photo JPEG, PNG ou WebP.", "photo_type", 415) from None
        raise PhotoRejected(f"{label} est illisible ou incomplète.", "photo_unreadable", 400) from None


def encode(raw: bytes, label: str = "La photo") -> Encoded:
    """Validate one upload by its content and return the re-encoded image (CPU work: run in a thread)."""
    if len(raw) > MAX_BYTES:
        raise PhotoRejected(f"{label} est trop lourde (5 Mo au plus).", "photo_too_large", 413)
    if not raw:
        raise PhotoRejected(f"{label} est vide.", "photo_empty", 400)
    image = _decode(raw, label)
    transparent = image.mode == "RGBA"  # open_upload gives bare sRGB pixels, RGB or RGBA, ≤ MAX_SIDE
    out = io.BytesIO()
    # Only the pixels are written: no exif=, icc_profile= or comment= is passed to save().
    if transparent:
        image.save(out, format="WEBP", quality=QUALITY, method=4)
        return Encoded(out.getvalue(), "image/webp", "webp", image.width, image.height)
    image.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=True)
    return Encoded(out.getvalue(), "image/jpeg", "jpg", image.width, image.height)


async def encode_all(raws: list[bytes]) -> list[Encoded]:
    """Re-encode every upload in a worker thread; the first bad one refuses the whole lot."""
    labels = ["La photo"] if len(raws) == 1 else [f"La photo n° {i}" for i in range(1, len(raws) + 1)]
    return await asyncio.to_thread(lambda: [encode(raw, label) for raw, label in zip(raws, labels)])


def key(name: str) -> str:
    """A photo's storage key from its stored name (`gazette/<32 hex>.jpg`, as the rows keep the name)."""
    return f"{SUBFOLDER}/{name}"


async def store_all(storage: MediaStorage, photos: list[Encoded]) -> list[str]:
    """Store each photo under a fresh random name (each whole or not at all); their names.
    When one fails, those already stored are removed."""
    names: list[str] = []
    try:
        for photo in photos:
            name = f"{secrets.token_hex(16)}.{photo.extension}"
            await storage.put(key(name), photo.data, photo.media_type)
            names.append(name)
    except BaseException:
        await remove_all(storage, names)
        raise
    return names


async def remove_all(storage: MediaStorage, names: list[str]) -> None:
    """Remove these photos' files; a storage that does not answer leaves orphans, logged, never an error."""
    if not names:
        return
    try:
        await storage.delete([key(name) for name in names])
    except Exception:  # the rows are gone already: an orphan file is harmless, the person's action is done
        log.warning("could not remove %d Gazette photo file(s) from the %s storage", len(names), storage.kind,
                    exc_info=True)
