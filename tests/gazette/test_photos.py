"""Photos: up to four per post, judged by their content, re-encoded and resized, stripped of
EXIF (GPS included), stored under random names, served only to those who may read the post.

Every test runs twice: with the photos in a local folder, and in an S3 bucket of a local
S3-compatible server (tests/fixtures/s3_server.py) — what is stored is read back from the folder
or from the bucket by the test's own client, not through the app."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from PIL import ExifTags, Image

from backend.gazette import photos
from backend.gazette.tables import GazettePhoto
from backend.settings import Settings
from tests.fixtures.s3_server import fx_s3  # noqa: F401  (fixture)
from tests.gazette.helpers import encoded, files, jpeg_with_gps, new_post, picture

PREFIX = "vigie/"  # the bucket is shared: Vigie's objects under one prefix


@pytest.fixture(params=["local", "s3"])
def fx_settings(request: pytest.FixtureRequest, fx_base_settings: Settings, fx_engine: Any) -> Settings:
    """The app of these tests keeps its photos in a folder, then in a fresh bucket."""
    if request.param == "local":
        return fx_base_settings
    s3 = request.getfixturevalue("fx_s3")
    return fx_base_settings.with_(**s3.settings(s3.new_bucket(), prefix=PREFIX))


@dataclass(frozen=True)
class Stored:
    name: str
    data: bytes

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]


@pytest.fixture
def stored_files(request: pytest.FixtureRequest, fx_settings: Settings) -> Callable[[], list[Stored]]:
    """The Gazette photos kept, read from the folder or the bucket directly."""
    def read() -> list[Stored]:
        if fx_settings.media_storage == "s3":
            objects = request.getfixturevalue("fx_s3").objects(fx_settings.s3_bucket)
            assert all(key.startswith(PREFIX + "gazette/") for key in objects), list(objects)
            return [Stored(key.rsplit("/", 1)[1], data) for key, data in objects.items()]
        folder = fx_settings.media_path / photos.SUBFOLDER
        return sorted((Stored(p.name, p.read_bytes()) for p in folder.iterdir() if not p.name.startswith(".")),
                      key=lambda s: s.name) if folder.exists() else []
    return read


async def upload(client, post_id: int, *items):
    return await client.post(f"/api/v1/gazette/posts/{post_id}/photos", files=files(*items))


async def test_a_phone_photo_is_stored_upright_resized_and_without_exif_or_gps(people, world, stored_files):
    member = await people("member")
    post = await new_post(member, world.community, "classified")
    r = await upload(member, post["id"], ("IMG_2041.JPG", jpeg_with_gps(), "image/jpeg"))
    assert r.status_code == 201, r.text
    [photo] = r.json()["photos"]
    assert (photo["width"], photo["height"], photo["media_type"]) == (1200, 1600, "image/jpeg")  # turned, ≤ 1600 px

    [path] = stored_files()
    assert path.name != "IMG_2041.JPG" and len(path.stem) == 32  # a random name
    on_disk = path.data
    stored = Image.open(io.BytesIO(on_disk))
    assert stored.format == "JPEG" and stored.size == (1200, 1600)
    assert not stored.getexif() and not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in on_disk and b"Fairphone" not in on_disk

    neighbour = await people("referent")
    served = await neighbour.get(photo["url"])
    assert served.status_code == 200 and served.content == on_disk
    assert served.headers["content-type"] == "image/jpeg" and served.headers["content-length"] == str(len(on_disk))
    assert served.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert not Image.open(io.BytesIO(served.content)).getexif()


async def test_type_is_judged_by_content_not_by_name(people, world, stored_files):
    member = await people("member")
    post = await new_post(member, world.community, "news")
    png = encoded(picture((800, 600)), "PNG")
    r = await upload(member, post["id"], ("vacances.jpg", png, "image/jpeg"))  # a PNG named and declared JPEG
    assert r.status_code == 201, r.text
    assert r.json()["photos"][0]["media_type"] == "image/jpeg"  # re-encoded from its pixels
    assert Image.open(io.BytesIO(stored_files()[0].data)).format == "JPEG"

    transparent = encoded(picture((300, 300), "RGBA"), "PNG")
    r = await upload(member, post["id"], ("logo.png", transparent, "image/png"))
    assert r.status_code == 201 and r.json()["photos"][1]["media_type"] == "image/webp"  # alpha kept
    served = await member.get(r.json()["photos"][1]["url"])
    assert served.headers["content-type"] == "image/webp" and Image.open(io.BytesIO(served.content)).mode == "RGBA"

    for name, data, declared in [("photo.jpg", encoded(picture((200, 200)), "GIF"), "image/jpeg"),
                                 ("photo.png", encoded(picture((200, 200)), "BMP"), "image/png"),
                                 ("photo.jpg", b"%PDF-1.7\n" + b"x" * 2000, "image/jpeg"),
                                 ("photo.webp", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/webp")]:
        r = await upload(member, post["id"], (name, data, declared))
        assert r.status_code == 415 and r.json()["code"] == "photo_type", (name, r.text)
        assert r.json()["detail"] == "La photo n'est pas une photo JPEG, PNG ou WebP."
    truncated = encoded(picture((800, 600)), "JPEG")[:3000]
    r = await upload(member, post["id"], ("coupée.jpg", truncated, "image/jpeg"))
    assert r.status_code == 400 and r.json()["code"] == "photo_unreadable"
    assert len(stored_files()) == 2 and await GazettePhoto.count() == 2


async def test_oversize_photos_and_decompression_bombs_are_refused(people, world, stored_files):
    member = await people("member")
    post = await new_post(member, world.community, "news")
    heavy = encoded(picture((600, 400)), "JPEG") + b"\0" * photos.MAX_BYTES  # valid, but over 5 MB
    r = await upload(member, post["id"], ("lourde.jpg", heavy, "image/jpeg"))
    assert r.status_code == 413 and r.json()["code"] == "photo_too_large"
    assert "5 Mo" in r.json()["detail"]
    bomb = encoded(Image.new("1", (9000, 9000)), "PNG")  # a few kB that would decode to 81 megapixels
    assert len(bomb) < 100_000
    r = await upload(member, post["id"], ("bombe.png", bomb, "image/png"))
    assert r.status_code == 413 and r.json()["code"] == "photo_too_many_pixels"
    r = await upload(member, post["id"], *[("p.jpg", heavy, "image/jpeg")] * 5)  # 25 MB body
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert stored_files() == [] and await GazettePhoto.count() == 0


async def test_four_photos_at_most_and_one_bad_photo_refuses_the_whole_upload(people, world, stored_files):
    member = await people("member")
    post = await new_post(member, world.community, "classified")
    good = ("a.jpg", encoded(picture((640, 480)), "JPEG"), "image/jpeg")
    bad = ("b.jpg", b"not an image at all" * 10, "image/jpeg")
    r = await upload(member, post["id"], good, good, bad)
    assert r.status_code == 415 and r.json()["detail"] == "La photo n° 3 n'est pas une photo JPEG, PNG ou WebP."
    assert stored_files() == [] and await GazettePhoto.count() == 0

    r = await upload(member, post["id"], good, good, good)
    assert r.status_code == 201 and [p["width"] for p in r.json()["photos"]] == [640, 640, 640]
    r = await upload(member, post["id"], good, good)
    assert r.status_code == 400 and r.json()["code"] == "too_many_photos"
    r = await upload(member, post["id"], good)
    assert r.status_code == 201 and len(r.json()["photos"]) == 4
    r = await member.post(f"/api/v1/gazette/posts/{post['id']}/photos", files={"autre": ("a.jpg", good[1], "image/jpeg")})
    assert r.status_code == 400 and r.json()["code"] == "photo_missing"

    listed = (await member.get(f"/api/v1/communities/{world.community}/gazette")).json()["items"][0]
    assert len(listed["photos"]) == 4 and listed["photos"][0]["url"].startswith("/api/v1/gazette/photos/")
    first = listed["photos"][0]
    r = await member.delete(f"/api/v1/gazette/photos/{first['id']}")
    assert r.status_code == 200 and len(r.json()["photos"]) == 3
    assert len(stored_files()) == 3
    assert (await member.get(first["url"])).status_code == 404


async def test_only_the_author_adds_or_removes_photos(people, world):
    member = await people("member")
    referent = await people("referent")
    post = await new_post(member, world.community, "news")
    good = ("a.jpg", encoded(picture((640, 480)), "JPEG"), "image/jpeg")
    r = await upload(referent, post["id"], good)
    assert r.status_code == 403 and r.json()["code"] == "not_author"
    photo = (await upload(member, post["id"], good)).json()["photos"][0]
    r = await referent.delete(f"/api/v1/gazette/photos/{photo['id']}")
    assert r.status_code == 403 and r.json()["code"] == "not_author"


async def test_photos_are_served_only_to_people_who_may_read_the_post(people, world, fx_app):
    from tests.conftest import Api

    member = await people("member")
    post = await new_post(member, world.community, "news")
    good = ("a.jpg", encoded(picture((640, 480)), "JPEG"), "image/jpeg")
    url = (await upload(member, post["id"], good)).json()["photos"][0]["url"]
    expected = {"anonymous": 401, "unverified": 403, "other_member": 403, "other_staff": 403, "member": 200,
                "referent": 200, "staff": 200, "moderator": 200, "admin": 200}
    for role, status in expected.items():
        client = Api(fx_app) if role == "anonymous" else await people(role)
        assert (await client.get(url)).status_code == status, role
        if role == "anonymous":
            await client.aclose()
    moderator = await people("moderator")
    await moderator.post(f"/api/v1/gazette/posts/{post['id']}/remove", {"reason": "Photo d'un tiers"})
    assert (await (await people("referent")).get(url)).status_code == 404
    assert (await member.get(url)).status_code == 200  # the author still sees their removed post


async def test_deleting_a_post_removes_its_photos_from_the_storage(people, world, stored_files):
    member = await people("member")
    kept = await new_post(member, world.community, "news")
    gone = await new_post(member, world.community, "classified")
    good = ("a.jpg", encoded(picture((640, 480)), "JPEG"), "image/jpeg")
    assert (await upload(member, kept["id"], good)).status_code == 201
    urls = [p["url"] for p in (await upload(member, gone["id"], good, good)).json()["photos"]]
    assert len(stored_files()) == 3
    assert (await member.delete(f"/api/v1/gazette/posts/{gone['id']}")).status_code == 204
    assert len(stored_files()) == 1 and await GazettePhoto.count() == 1
    for url in urls:
        assert (await member.get(url)).status_code == 404


def test_encode_keeps_small_opaque_images_as_they_are_in_size_and_refuses_empty_files():
    small = photos.encode(encoded(picture((320, 200)), "WEBP"))
    assert (small.width, small.height, small.media_type) == (320, 200, "image/jpeg")
    wide = photos.encode(encoded(picture((4000, 1000)), "PNG"))
    assert (wide.width, wide.height) == (1600, 400)
    try:
        photos.encode(b"")
    except photos.PhotoRejected as exc:
        assert exc.code == "photo_empty" and exc.status_code == 400
    else:
        raise AssertionError("an empty file was accepted")
