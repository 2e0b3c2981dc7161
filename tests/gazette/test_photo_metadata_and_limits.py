"""Gazette photos keep no metadata at all — no JPEG comment (a `<script>` polyglot), EXIF, XMP,
ICC (converted to sRGB first), PNG text chunk — whatever format they came in; a pixel bomb is
named as such; and one member stores at most `photos_per_hour` photos an hour (profile photos
included), beyond which the upload is refused with 429, a French message and Retry-After."""

from __future__ import annotations

import struct
from typing import Any, Callable

import pytest
from PIL import PngImagePlugin

from backend.gazette.tables import GazettePhoto
from tests.fixtures.tagged_images import (
    SCRIPT, assert_bare, is_blue, pixel_bomb, tagged_jpeg, tagged_png, tagged_webp,
)
from tests.gazette.helpers import encoded, files, new_post, picture

LIMIT = 5


@pytest.fixture
async def fx_app(fx_app_factory: Callable[..., Any], fx_delivery_overrides: dict[str, Any], fx_push: Any,
                 fx_sms: Any, fx_mail: Any, fx_settings: Any) -> Any:
    """The Gazette's app with five photos per member per hour."""
    from backend.delivery.channels.vapid import ensure_vapid_keys

    ensure_vapid_keys(fx_settings)
    fx_push.clear()
    return await fx_app_factory(**fx_delivery_overrides, photos_per_hour=LIMIT)


async def upload(client, post_id: int, *items):
    return await client.post(f"/api/v1/gazette/posts/{post_id}/photos", files=files(*items))


async def test_photos_are_stored_without_comment_exif_xmp_icc_or_text_chunks(people, world):
    member = await people("member")
    post = await new_post(member, world.community, "classified")
    sent = [("polyglotte.jpg", tagged_jpeg(), "image/jpeg"), ("texte.png", tagged_png(), "image/png"),
            ("exif.webp", tagged_webp(), "image/webp")]
    for _, raw, _ in sent:
        assert b"<script>" in raw or b"xmpmeta" in raw  # the samples do carry what must go
    r = await upload(member, post["id"], *sent)
    assert r.status_code == 201, r.text
    stored = r.json()["photos"]
    assert [p["media_type"] for p in stored] == ["image/jpeg"] * 3
    for photo in stored:
        served = await member.get(photo["url"])
        assert served.status_code == 200
        image = assert_bare(served.content)
        # Red in a profile whose red is sRGB's blue: converted to sRGB before the profile was dropped.
        assert is_blue(image.convert("RGB").getpixel((10, 10))), image.getpixel((10, 10))


async def test_a_transparent_png_with_text_chunks_is_stored_as_bare_webp(people, world):
    member = await people("member")
    post = await new_post(member, world.community, "news")
    rgba = picture((300, 300), "RGBA")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    raw = encoded(rgba, "PNG", pnginfo=info)
    r = await upload(member, post["id"], ("logo.png", raw, "image/png"))
    assert r.status_code == 201 and r.json()["photos"][0]["media_type"] == "image/webp"
    image = assert_bare((await member.get(r.json()["photos"][0]["url"])).content)
    assert image.mode == "RGBA"


async def test_a_pixel_bomb_is_named_and_nothing_is_stored(people, world):
    member = await people("member")
    post = await new_post(member, world.community, "news")
    bomb = pixel_bomb()
    assert len(bomb) < 200_000 and struct.unpack(">II", bomb[16:24]) == (20_000, 20_000)  # PNG IHDR
    r = await upload(member, post["id"], ("bombe.png", bomb, "image/png"))
    assert r.status_code == 413, r.text
    assert r.json() == {**r.json(), "code": "photo_too_many_pixels",
                        "detail": "La photo a trop de pixels (40 millions au plus)."}
    assert await GazettePhoto.count() == 0


async def test_photos_past_the_hourly_limit_are_refused_with_a_french_message(people, world):
    member, referent = await people("member"), await people("referent")
    first = await new_post(member, world.community, "classified")
    second = await new_post(member, world.community, "classified")
    good = ("a.jpg", encoded(picture((320, 240)), "JPEG"), "image/jpeg")
    assert (await upload(member, first["id"], ("x.jpg", b"pas une image" * 20, "image/jpeg"))).status_code == 415
    assert (await upload(member, first["id"], good, good, good, good)).status_code == 201  # 4 (refused: not counted)
    assert (await member.put("/api/v1/directory/me/photo", content=good[1])).status_code == 200  # 5, profile

    r = await upload(member, second["id"], good)
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "photo_rate_limited"
    assert r.json()["detail"].startswith("Vous ne pouvez pas envoyer plus de 5 photos par heure. Réessayez dans ")
    assert 1 <= int(r.headers["retry-after"]) <= 3600
    assert await GazettePhoto.count().where(GazettePhoto.post == second["id"]) == 0
    profile = await member.put("/api/v1/directory/me/photo", content=good[1])
    assert profile.status_code == 429 and profile.json()["code"] == "photo_rate_limited"

    # Someone else is not limited by it.
    own = await new_post(referent, world.community, "news")
    assert (await upload(referent, own["id"], good, good)).status_code == 201


async def test_several_photos_that_would_pass_the_limit_are_refused_together(people, world):
    member = await people("member")
    post = await new_post(member, world.community, "classified")
    other = await new_post(member, world.community, "classified")
    good = ("a.jpg", encoded(picture((320, 240)), "JPEG"), "image/jpeg")
    assert (await upload(member, post["id"], good, good, good)).status_code == 201  # 3 of 5
    r = await upload(member, other["id"], good, good, good)  # would make 6
    assert r.status_code == 429 and r.json()["code"] == "photo_rate_limited"
    assert await GazettePhoto.count().where(GazettePhoto.post == other["id"]) == 0
    assert (await upload(member, other["id"], good, good)).status_code == 201  # exactly 5
