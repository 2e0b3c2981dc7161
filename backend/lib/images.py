"""Uploaded images (profile and Gazette photos), opened by their content only.

Whatever the file name or Content-Type says, Pillow is only allowed to read JPEG, PNG and
WebP; the pixel count is checked from the header before anything is decoded (decompression
bombs), animations keep their first frame, and the image is turned upright from its EXIF
orientation. Each domain then re-encodes the pixels its own way, without metadata.
"""

from __future__ import annotations

import io
import warnings
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # a 40-megapixel photo decodes to ~120 MB


class ImageProblem(Exception):
    """Why an upload cannot be used; each domain words it for its users."""

    def __init__(self, kind: Literal["too_many_pixels", "not_an_image", "unreadable"]) -> None:
        super().__init__(kind)
        self.kind = kind


def open_upload(raw: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The decoded, upright first frame of `raw`; raises ImageProblem."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=list(ACCEPTED_FORMATS))
            if image.width * image.height > max_pixels:
                raise ImageProblem("too_many_pixels")
            image.seek(0)
            image.load()
            return ImageOps.exif_transpose(image)
    except ImageProblem:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem("not_an_image") from None
    except (OSError, ValueError, SyntaxError, EOFError):  # truncated or corrupt data
        raise ImageProblem("unreadable") from None
