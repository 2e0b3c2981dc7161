"""Profile photos: recognise the image by its content, re-encode it, keep no metadata.

Whatever the phone sends (JPEG, PNG or WebP, any Content-Type header), the stored photo is
a fresh JPEG at most MAX_SIDE pixels wide or high, turned upright from the EXIF orientation,
converted to sRGB and written without EXIF, XMP, ICC or comments (no GPS position leaks from
a selfie; see backend.lib.images).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from backend.lib.errors import DomainError
from backend.lib.images import ImageProblem, open_upload

MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 32
MAX_SIDE = 512
_PROBLEMS = {
    "too_many_pixels": ("La photo a trop de pixels (40 millions au plus).", "photo_too_many_pixels"),
    "not_an_image": ("Ce fichier n'est pas une photo JPEG, PNG ou WebP.", "invalid_photo"),
    "unreadable": ("Cette photo est illisible ou incomplète.", "invalid_photo"),
    "too_small": ("La photo est trop petite (32 pixels de côté au moins).", "photo_too_small"),
}


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int


class PhotoTooLarge(DomainError):
    status_code = 413

    def __init__(self) -> None:
        super().__init__("La photo est trop lourde (5 Mo au plus).", "photo_too_large")


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on a white background (transparent PNG/WebP would turn black in JPEG)."""
    if img.mode == "RGBA":
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img


def reencode(raw: bytes) -> Photo:
    """Validate an uploaded image by its content and return the JPEG to store."""
    if len(raw) > MAX_BYTES:
        raise PhotoTooLarge()
    if not raw:
        raise DomainError("Aucune photo reçue.", "photo_missing")
    try:
        img = _flatten(open_upload(raw, max_side=MAX_SIDE, min_side=MIN_SIDE))
    except ImageProblem as problem:
        raise DomainError(*_PROBLEMS[problem.kind]) from None
    out = io.BytesIO()
    # Bare sRGB pixels from open_upload, and no exif=, icc_profile= or comment= here: nothing else is written.
    img.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return Photo(data=out.getvalue(), width=img.width, height=img.height)
