"""Profile photos: checked by content, re-encoded, upright, without metadata; seen only by neighbours."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.directory.tables import ProfilePhoto
from tests.builders import World, build_world

PHOTO = "/api/v1/directory/me/photo"


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (200, 100), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 0).save(out, format=fmt, **save)
    return out.getvalue()


def phone_selfie() -> bytes:
    """A landscape JPEG as a phone stores it: orientation 6 (turn right), camera make, GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPSInfo
    return image_bytes("JPEG", (200, 100), exif=exif.tobytes(), comment=b"secret comment")


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await build_world(fx_password_hash)


async def test_photo_is_reencoded_upright_and_stripped_of_exif(api, world):
    raw = phone_selfie()
    assert b"PhoneMaker" in raw and Image.open(io.BytesIO(raw)).getexif()
    member = await api.as_user(world.email("member"))
    r = await member.put(PHOTO, content=raw, headers={"content-type": "image/jpeg"})
    assert r.status_code == 200, r.text
    url = r.json()["photo_url"]
    assert url == f"/api/v1/directory/photos/{world.users['member']}?v=1"

    stored = await member.get(url)
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert "private" in stored.headers["cache-control"]
    img = Image.open(io.BytesIO(stored.content))
    assert img.format == "JPEG" and img.size == (100, 200)  # turned upright from the EXIF orientation
    assert not img.getexif() and "exif" not in img.info and "icc_profile" not in img.info
    assert b"PhoneMaker" not in stored.content and b"secret comment" not in stored.content
    assert b"Exif" not in stored.content


async def test_type_is_judged_by_content_and_big_photos_are_scaled_down(api, world):
    member = await api.as_user(world.email("member"))
    # A transparent PNG sent as "image/jpeg": accepted as what it is, flattened on white.
    png = image_bytes("PNG", (1600, 1200), "RGBA")
    r = await member.put(PHOTO, content=png, headers={"content-type": "image/jpeg"})
    assert r.status_code == 200, r.text
    img = Image.open(io.BytesIO((await member.get(r.json()["photo_url"])).content))
    assert img.format == "JPEG" and img.size == (512, 384) and img.getpixel((10, 10)) == (255, 255, 255)
    webp = await member.put(PHOTO, content=image_bytes("WEBP", (300, 300)), headers={"content-type": "text/plain"})
    assert webp.status_code == 200 and webp.json()["photo_url"].endswith("?v=2")


@pytest.mark.parametrize("content, status, code", [
    (b"#!/bin/sh\necho not a photo\n", 400, "invalid_photo"),
    (image_bytes("GIF", (100, 100), "P"), 400, "invalid_photo"),  # not an accepted type
    (image_bytes("JPEG", (400, 400))[:300], 400, "invalid_photo"),  # truncated
    (image_bytes("PNG", (8000, 6000), "1"), 400, "photo_too_many_pixels"),  # 48 Mpx, a few KB
    (image_bytes("PNG", (20, 20)), 400, "photo_too_small"),
    (b"", 400, "photo_missing"),
    (b"\xff\xd8" + b"0" * (5 * 1024 * 1024), 413, "photo_too_large"),
])
async def test_bad_upload_is_refused_and_the_previous_photo_stays(api, world, content, status, code):
    member = await api.as_user(world.email("member"))
    assert (await member.put(PHOTO, content=image_bytes(), headers={"content-type": "image/jpeg"})).status_code == 200
    before = (await ProfilePhoto.select(ProfilePhoto.data).first())["data"]
    r = await member.put(PHOTO, content=content, headers={"content-type": "image/png"})
    assert r.status_code == status and r.json()["code"] == code, r.text
    assert r.json()["detail"][0].isupper()
    assert await ProfilePhoto.count() == 1 and (await ProfilePhoto.select(ProfilePhoto.data).first())["data"] == before
    assert (await member.get("/api/v1/directory/me")).json()["photo_url"].endswith("?v=1")


async def test_photo_is_seen_by_neighbours_and_moderators_only_and_can_be_removed(api, world):
    member = await api.as_user(world.email("member"))
    first = (await member.put(PHOTO, content=image_bytes(), headers={"content-type": "image/jpeg"})).json()["photo_url"]
    for role, status in [("referent", 200), ("moderator", 200), ("other_member", 404), ("staff", 404),
                         ("unverified", 404)]:
        client = await api.as_user(world.email(role))
        assert (await client.get(first)).status_code == status, role
    listing = (await (await api.as_user(world.email("referent"))).get(
        f"/api/v1/communities/{world.community}/directory")).json()
    assert next(e for e in listing if e["user_id"] == world.users["member"])["photo_url"] == first

    assert (await member.delete(PHOTO)).status_code == 204
    assert (await member.get("/api/v1/directory/me")).json()["photo_url"] is None
    assert (await member.get(first)).status_code == 404
    again = (await member.put(PHOTO, content=image_bytes(), headers={"content-type": "image/jpeg"})).json()["photo_url"]
    assert again != first  # a new URL: no cache serves the old photo
