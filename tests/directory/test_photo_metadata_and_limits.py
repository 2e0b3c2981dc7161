"""Profile photos keep no metadata at all (JPEG comment, EXIF, XMP, ICC — converted to sRGB
first —, PNG text chunks, WebP EXIF/XMP chunks); a pixel bomb gets its own French message; and
a member changes their photo at most `photos_per_hour` times an hour (429 beyond)."""

from __future__ import annotations

import io
import struct
from typing import Any, Callable

import pytest
from PIL import Image

from backend.directory.tables import ProfilePhoto
from tests.builders import World, build_world
from tests.fixtures.tagged_images import assert_bare, is_blue, pixel_bomb, tagged_jpeg, tagged_png, tagged_webp

PHOTO = "/api/v1/directory/me/photo"
LIMIT = 4


@pytest.fixture
async def fx_app(fx_app_factory: Callable[..., Any]) -> Any:
    return await fx_app_factory(photos_per_hour=LIMIT)


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await build_world(fx_password_hash)


@pytest.mark.parametrize("raw", [tagged_jpeg(), tagged_png(), tagged_webp(), tagged_png(mode="RGBA")],
                         ids=["jpeg-comment-exif-xmp-icc", "png-text-exif-icc", "webp-exif-xmp-icc", "png-rgba"])
async def test_profile_photo_keeps_no_metadata_and_its_colours(api, world, raw):
    member = await api.as_user(world.email("member"))
    r = await member.put(PHOTO, content=raw, headers={"content-type": "image/jpeg"})
    assert r.status_code == 200, r.text
    served = await member.get(r.json()["photo_url"])
    assert served.status_code == 200
    image = assert_bare(served.content)
    assert image.format == "JPEG" and image.size == (400, 300)
    assert is_blue(image.getpixel((10, 10))), image.getpixel((10, 10))  # the ICC profile applied, then dropped


async def test_a_pixel_bomb_gets_its_own_french_message(api, world):
    member = await api.as_user(world.email("member"))
    bomb = pixel_bomb()
    assert len(bomb) < 200_000 and struct.unpack(">II", bomb[16:24]) == (20_000, 20_000)  # PNG IHDR
    r = await member.put(PHOTO, content=bomb, headers={"content-type": "image/png"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "photo_too_many_pixels"
    assert r.json()["detail"] == "La photo a trop de pixels (40 millions au plus)."
    assert await ProfilePhoto.count() == 0


async def test_photo_changes_past_the_hourly_limit_are_refused(api, world):
    member = await api.as_user(world.email("member"))
    raw = tagged_jpeg((64, 64))
    assert (await member.put(PHOTO, content=b"pas une image" * 10)).status_code == 400  # refused: not counted
    for _ in range(LIMIT):
        assert (await member.put(PHOTO, content=raw)).status_code == 200
    r = await member.put(PHOTO, content=raw)
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "photo_rate_limited"
    assert r.json()["detail"].startswith(f"Vous ne pouvez pas envoyer plus de {LIMIT} photos par heure. Réessayez dans ")
    assert 1 <= int(r.headers["retry-after"]) <= 3600
    assert (await member.get("/api/v1/directory/me")).json()["photo_url"].endswith(f"?v={LIMIT}")  # unchanged
    neighbour = await api.as_user(world.email("referent"))
    assert (await neighbour.put(PHOTO, content=raw)).status_code == 200


async def test_a_broken_icc_profile_is_dropped_and_the_photo_kept(api, world):
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (255, 0, 0)).save(out, "JPEG", icc_profile=b"not a profile" * 20, comment=b"<script>")
    member = await api.as_user(world.email("member"))
    r = await member.put(PHOTO, content=out.getvalue())
    assert r.status_code == 200, r.text
    image = assert_bare((await member.get(r.json()["photo_url"])).content)
    red, green, blue = image.getpixel((10, 10))
    assert red > 240 and green < 20 and blue < 20  # the pixels as they were
