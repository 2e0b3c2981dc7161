"""Uploaded images (profile and Gazette photos), opened by their content only.

Whatever the file name or Content-Type says, Pillow is only allowed to read JPEG, PNG and
WebP; the pixel count is checked from the header before anything is decoded (decompression
bombs, including those so large that Pillow itself refuses to open them), animations keep
their first frame, and the image is turned upright from its EXIF orientation.

What `open_upload` hands back is bare pixels: sRGB (an embedded ICC profile — Display P3 from
a phone, Adobe RGB, a CMYK or grey profile — is applied with LittleCMS through Pillow's ImageCms
first, so colours stay right once the profile is gone), mode RGB or RGBA, and an empty `info`.
Pillow writes some metadata from `info` when saving (a JPEG comment, for one), so with nothing
there each domain's `save()` writes the pixels and nothing else: no EXIF (GPS), no XMP, no ICC,
no JPEG comment, no PNG text chunk.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Literal

import valkey.asyncio as avalkey
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from backend.lib.ratelimit import CreationLimit

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # a 40-megapixel photo decodes to ~120 MB
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# The image modes an ICC profile of each colour space describes (anything else: profile ignored).
_PROFILE_MODES = {
    "RGB": ("RGB", {"RGB", "RGBA", "RGBX", "RGBa", "P", "PA"}),
    "GRAY": ("L", {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F"}),
    "CMYK": ("CMYK", {"CMYK"}),
}


class ImageProblem(Exception):
    """Why an upload cannot be used; each domain words it for its users."""

    def __init__(self, kind: Literal["too_many_pixels", "not_an_image", "unreadable"]) -> None:
        super().__init__(kind)
        self.kind = kind


def has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "La", "PA", "RGBa") or "transparency" in image.info


def _in_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB: the embedded ICC profile applied if there is a usable one."""
    mode = "RGBA" if has_transparency(image) else "RGB"
    icc = image.info.get("icc_profile")
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            source_mode, modes = _PROFILE_MODES.get(profile.profile.xcolor_space.strip(), ("", set()))
            if image.mode in modes:
                alpha = image.convert("RGBA").getchannel("A") if mode == "RGBA" else None
                converted = ImageCms.profileToProfile(image.convert(source_mode), profile, SRGB, outputMode="RGB")
                if alpha is not None:
                    converted.putalpha(alpha)
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:  # a broken profile: the pixels as they are
            log.info("ICC profile of an upload ignored: %s", exc)
    return image.convert(mode)


def bare(image: Image.Image) -> Image.Image:
    """The same pixels with no metadata attached (`info` emptied: nothing for save() to copy)."""
    image.info = {}
    return image


def open_upload(raw: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The decoded, upright first frame of `raw` as bare sRGB pixels (RGB, or RGBA if it has
    transparency); raises ImageProblem."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=list(ACCEPTED_FORMATS))
            if image.width * image.height > max_pixels:
                raise ImageProblem("too_many_pixels")
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image)
            return bare(_in_srgb(upright))
    except ImageProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # past Pillow's own limit
        raise ImageProblem("too_many_pixels") from None
    except UnidentifiedImageError:
        raise ImageProblem("not_an_image") from None
    except (OSError, ValueError, SyntaxError, EOFError):  # truncated or corrupt data
        raise ImageProblem("unreadable") from None


def upload_limit(client: avalkey.Valkey, user_id: int, per_hour: int) -> CreationLimit:
    """Photos one member may store per hour, profile and Gazette photos together (one counter):
    `check(n)` before, `count(n)` once stored; beyond, 429 `photo_rate_limited` with Retry-After."""
    return CreationLimit(client, f"photos:{user_id}", per_hour, 3600,
                         f"Vous ne pouvez pas envoyer plus de {per_hour} photos par heure. "
                         "Réessayez dans {minutes} min.", "photo_rate_limited")
