"""Profile photos: recognise the image by its content, re-encode it, keep no metadata.

Whatever the phone sends (JPEG, PNG or WebP, any Content-Type header), the stored photo is
a fresh JPEG at most MAX_SIDE pixels wide or high, turned upright from the EXIF orientation
and written without EXIF, XMP, ICC or comments (no GPS position leaks from a selfie).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.lib.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo decodes to ~120 MB: refuse bigger before decoding
MIN_SIDE = 32
MAX_SIDE = 512
ACCEPTED = {"JPEG", "PNG", "WEBP"}


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
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def reencode(raw: bytes) -> Photo:
    """Validate an uploaded image by its content and return the JPEG to store."""
    if len(raw) > MAX_BYTES:
        raise PhotoTooLarge()
    if not raw:
        raise DomainError("Aucune photo reçue.", "photo_missing")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw), formats=sorted(ACCEPTED))
            if img.width * img.height > MAX_PIXELS:
                raise DomainError("La photo a trop de pixels (40 millions au plus).", "photo_too_many_pixels")
            img.seek(0)  # the first frame of an animation
            img.load()
            img = ImageOps.exif_transpose(img)
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError("Ce fichier n'est pas une photo JPEG, PNG ou WebP.", "invalid_photo") from None
    except (OSError, ValueError, SyntaxError, EOFError):  # truncated or corrupt data
        raise DomainError("Cette photo est illisible ou incomplète.", "invalid_photo") from None
    if min(img.size) < MIN_SIDE:
        raise DomainError("La photo est trop petite (32 pixels de côté au moins).", "photo_too_small")
    img = _flatten(img)
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Pixels only: a fresh image carries no `info` (Pillow writes e.g. a JPEG comment from it).
    img = Image.frombytes("RGB", img.size, img.tobytes())
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return Photo(data=out.getvalue(), width=img.width, height=img.height)
