"""Uploaded images (profile and Gazette photos), opened by their content only.

Whatever the file name or Content-Type says, Pillow is only allowed to read JPEG, PNG and
WebP; the pixel count is checked from the header before anything is decoded (decompression
bombs, including those so large that Pillow itself refuses to open them), animations keep
their first frame, and the image is turned upright from its EXIF orientation.

What `open_upload` hands back is bare pixels: sRGB (an embedded ICC profile — Display P3 from
a phone, Adobe RGB, a CMYK or grey profile — is applied with LittleCMS through Pillow's ImageCms
first, so colours stay right once the profile is gone), mode RGB or RGBA, scaled down to the
domain's size (before the colour conversion, where it can be), and an empty `info`.
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

    def __init__(self, kind: Literal["too_many_pixels", "too_small", "not_an_image", "unreadable"]) -> None:
        super().__init__(kind)
        self.kind = kind


def has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "La", "PA", "RGBa") or "transparency" in image.info


def _shrunk(image: Image.Image, max_side: int | None) -> Image.Image:
    if max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _in_srgb(image: Image.Image, max_side: int | None) -> Image.Image:
    """RGB or RGBA pixels in sRGB, at most `max_side` on their longest side: the embedded ICC
    profile applied if there is a usable one — after shrinking when there is no alpha channel
    (at full size it cost 0.26 s on a 12-megapixel photo here, a third of the re-encoding); with
    an alpha channel, before, since colour and alpha are resized together."""
    transparent = has_transparency(image)
    icc = image.info.get("icc_profile")
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            source_mode, modes = _PROFILE_MODES.get(profile.profile.xcolor_space.strip(), ("", set()))
            if image.mode in modes:
                if not transparent:
                    shrunk = _shrunk(image.convert(source_mode), max_side)
                    return ImageCms.profileToProfile(shrunk, profile, SRGB, outputMode="RGB")
                alpha = image.convert("RGBA").getchannel("A")
                converted = ImageCms.profileToProfile(image.convert(source_mode), profile, SRGB, outputMode="RGB")
                converted.putalpha(alpha)
                return _shrunk(converted, max_side)
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:  # a broken profile: the pixels as they are
            log.info("ICC profile of an upload ignored: %s", exc)
    return _shrunk(image.convert("RGBA" if transparent else "RGB"), max_side)


def bare(image: Image.Image) -> Image.Image:
    """The same pixels with no metadata attached (`info` emptied: nothing for save() to copy)."""
    image.info = {}
    return image


def open_upload(raw: bytes, max_pixels: int = MAX_PIXELS, *, max_side: int | None = None,
                min_side: int = 0) -> Image.Image:
    """The decoded, upright first frame of `raw` as bare sRGB pixels (RGB, or RGBA if it has
    transparency), scaled down to at most `max_side` pixels on its longest side; raises
    ImageProblem (`too_small` when a side of the original is under `min_side`)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=list(ACCEPTED_FORMATS))
            if image.width * image.height > max_pixels:
                raise ImageProblem("too_many_pixels")
            if min(image.size) < min_side:
                raise ImageProblem("too_small")
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image)
            return bare(_in_srgb(upright, max_side))
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
