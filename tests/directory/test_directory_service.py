"""Service-level checks of the directory: search folding, photo re-encoding of unusual images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.directory.photos import MAX_SIDE, reencode
from backend.lib.text import unaccent as fold
from backend.lib.errors import DomainError


def encoded(img: Image.Image, fmt: str, **save: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def test_fold_ignores_case_accents_and_ligatures():
    assert fold("Élodie LEFÈVRE") == "elodie lefevre"
    assert fold("Œnologie, Ça, Noël, Straße") == "oenologie, ca, noel, strasse"


def test_cmyk_jpeg_palette_png_and_animated_webp_become_plain_rgb_jpegs():
    cmyk = encoded(Image.new("CMYK", (800, 600), (0, 255, 255, 0)), "JPEG")
    palette = Image.new("P", (64, 64), 0)
    palette.info["transparency"] = 0
    frames = [Image.new("RGB", (100, 80), c) for c in ((255, 0, 0), (0, 0, 255))]
    animated = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)
    for raw, size in ((cmyk, (MAX_SIDE, 384)), (encoded(palette, "PNG"), (64, 64)), (animated, (100, 80))):
        photo = reencode(raw)
        img = Image.open(io.BytesIO(photo.data))
        assert (img.format, img.mode, img.size) == ("JPEG", "RGB", size) and (photo.width, photo.height) == size
    first = Image.open(io.BytesIO(reencode(animated).data)).getpixel((50, 40))
    assert first[0] > 200 and first[2] < 60  # the first (red) frame


@pytest.mark.parametrize("raw", [b"GIF89a" + b"\x00" * 20, b"%PDF-1.4\n", b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_other_formats_are_refused(raw):
    with pytest.raises(DomainError) as refused:
        reencode(raw)
    assert refused.value.code == "invalid_photo"
