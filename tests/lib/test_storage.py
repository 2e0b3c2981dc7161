"""The media storage (backend/lib/storage.py): one contract, a local folder and an S3 bucket of a
local S3-compatible server (tests/fixtures/s3_server.py); incomplete S3 settings refused
everywhere, and production refuses to start with them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.app import create_app
from backend.devtools.loopback import free_port
from backend.lib.storage import MediaStorage, StorageUnavailable, make_storage
from backend.settings import InvalidSetting, Settings, UnsafeProductionSettings
from tests.fixtures.s3_server import fx_s3  # noqa: F401  (fixture)
from tests.security.test_production_refuses_unsafe_settings import production


@pytest.fixture(params=["local", "s3"])
def storage_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "local":
        return Settings(media_dir=str(tmp_path / "media"))
    s3 = request.getfixturevalue("fx_s3")
    return Settings(**s3.settings(s3.new_bucket(), prefix="vigie/"))


async def test_a_file_is_put_opened_streamed_listed_and_deleted(storage_settings: Settings) -> None:
    storage: MediaStorage = make_storage(storage_settings)
    try:
        assert await storage.keys() == [] and await storage.open("gazette/none.jpg") is None
        big = bytes(range(256)) * 1024  # 256 kB: several chunks
        await storage.put("gazette/a.jpg", big, "image/jpeg")
        await storage.put("gazette/b.webp", b"RIFF....WEBP", "image/webp")
        assert await storage.keys() == ["gazette/a.jpg", "gazette/b.webp"]
        opened = await storage.open("gazette/a.jpg")
        assert opened is not None and (opened.size, opened.media_type) == (len(big), "image/jpeg")
        chunks = [chunk async for chunk in opened.chunks]
        assert len(chunks) > 1 and b"".join(chunks) == big
        webp = await storage.open("gazette/b.webp")
        assert webp is not None and webp.media_type == "image/webp" and await webp.read() == b"RIFF....WEBP"
        await storage.put("gazette/a.jpg", b"replaced", "image/jpeg")
        assert await (await storage.open("gazette/a.jpg")).read() == b"replaced"
        await storage.delete(["gazette/a.jpg", "gazette/never-there.jpg"])
        assert await storage.keys() == ["gazette/b.webp"] and await storage.open("gazette/a.jpg") is None
        for bad in ("../secret_key", "/etc/passwd", "gazette/../../x", "gazette/.hidden", ""):
            with pytest.raises(ValueError):
                await storage.put(bad, b"x", "image/jpeg")
    finally:
        await storage.close()


async def test_the_bucket_holds_the_objects_under_the_prefix_only(fx_s3: Any) -> None:
    bucket = fx_s3.new_bucket()
    fx_s3.client().put_object(Bucket=bucket, Key="other-app/file.txt", Body=b"not Vigie's")
    storage = make_storage(Settings(**fx_s3.settings(bucket, prefix="vigie/")))
    try:
        await storage.put("gazette/a.jpg", b"\xff\xd8", "image/jpeg")
        assert await storage.keys() == ["gazette/a.jpg"]  # the other application's object is not listed
        assert fx_s3.objects(bucket) == {"other-app/file.txt": b"not Vigie's", "vigie/gazette/a.jpg": b"\xff\xd8"}
        head = fx_s3.client().head_object(Bucket=bucket, Key="vigie/gazette/a.jpg")
        assert head["ContentType"] == "image/jpeg"
    finally:
        await storage.close()


async def test_a_bucket_that_does_not_answer_is_a_503_with_a_french_message(fx_s3: Any) -> None:
    dead = Settings(**{**fx_s3.settings("vigie-media-x"), "s3_endpoint_url": f"http://127.0.0.1:{free_port()}"})
    storage = make_storage(dead)
    try:
        with pytest.raises(StorageUnavailable) as refused:
            await storage.open("gazette/a.jpg")
        assert refused.value.status_code == 503 and "momentanément indisponibles" in refused.value.detail
    finally:
        await storage.close()


@pytest.mark.parametrize("change,named", [
    ({"s3_bucket": ""}, "s3_bucket is empty"),
    ({"s3_access_key_id": ""}, "s3_access_key_id is empty"),
    ({"s3_secret_access_key": ""}, "s3_secret_access_key is empty"),
    ({"s3_endpoint_url": "", "s3_region": ""}, "neither s3_endpoint_url nor s3_region"),
    ({"s3_prefix": "vigie"}, "must end with '/'"),
    ({"s3_addressing_style": "dns"}, "s3_addressing_style"),
    ({"media_storage": "ftp"}, "neither 'local' nor 's3'"),
])
def test_incomplete_s3_settings_are_refused_in_production_and_elsewhere(fx_settings: Settings, change: dict,
                                                                       named: str) -> None:
    complete = {"media_storage": "s3", "s3_endpoint_url": "https://s3.fr-par.scw.cloud", "s3_region": "fr-par",
                "s3_bucket": "vigie-photos", "s3_access_key_id": "SCWXXXXXXXXXXXXXXXXX",
                "s3_secret_access_key": "0f3c8a1e-secret"}
    create_app(production(fx_settings, **complete))  # complete: production starts
    with pytest.raises(UnsafeProductionSettings) as refused:
        create_app(production(fx_settings, **{**complete, **change}))
    assert len(refused.value.problems) == 1 and named in refused.value.problems[0], refused.value.problems
    with pytest.raises(InvalidSetting, match=named.split(" ")[0]):
        create_app(fx_settings.with_(**{**complete, **change}))  # dev refuses too, with the setting named


def test_production_refuses_an_s3_endpoint_in_clear_but_not_on_loopback(fx_settings: Settings) -> None:
    complete = {"media_storage": "s3", "s3_region": "fr-par", "s3_bucket": "vigie-photos",
                "s3_access_key_id": "SCWXXXXXXXXXXXXXXXXX", "s3_secret_access_key": "0f3c8a1e-secret"}
    with pytest.raises(UnsafeProductionSettings, match="s3_endpoint_url"):
        create_app(production(fx_settings, **complete, s3_endpoint_url="http://s3.example.fr"))
    create_app(production(fx_settings, **complete, s3_endpoint_url="http://127.0.0.1:9000"))  # MinIO on the host
