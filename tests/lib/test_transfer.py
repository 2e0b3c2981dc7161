"""What travels over the wire: text answers gzipped (JSON and static files), images and the live
stream untouched, static files revalidated with a 304 instead of sent again, and only URLs of
the running release cached for a year."""

from __future__ import annotations

from backend.auth import sessions
from backend.lib.transfer import release_version
from backend.settings import ROOT
from tests.builders import build_world
from tests.live.sse import SseStream

GZIP = {"accept-encoding": "gzip, deflate"}


async def test_json_answers_are_gzipped_when_the_browser_accepts_it(api):
    client = api()
    response = await client.get("/schema/openapi.json", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.json()["info"]["title"] == "Vigie API"  # httpx decoded it
    plain = await client.get("/schema/openapi.json", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == response.json()


async def test_static_text_files_are_gzipped_and_revalidated_not_sent_again(api):
    client = api()
    response = await client.get("/js/main.js", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "no-cache"
    assert response.content == (ROOT / "pwa" / "js" / "main.js").read_bytes()
    assert int(response.headers["content-length"]) < len(response.content) / 2  # the gzip body on the wire
    etag = response.headers["etag"]
    assert etag.startswith('W/"'), etag  # the gzip and plain bodies share it

    again = await client.get("/js/main.js", headers={**GZIP, "if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == "no-cache"
    assert "content-encoding" not in again.headers
    since = await client.get("/js/main.js", headers={"if-modified-since": response.headers["last-modified"]})
    assert since.status_code == 304 and since.content == b""
    changed = await client.get("/js/main.js", headers={**GZIP, "if-none-match": 'W/"1-2-3"'})
    assert changed.status_code == 200 and changed.content == response.content


async def test_the_app_shell_and_worker_modules_are_gzipped_and_revalidated(api):
    client = api()
    for path in ("/", "/css/app.css", "/i18n/fr.json", "/manifest.webmanifest", "/sw/precache.js"):
        response = await client.get(path, headers=GZIP)
        assert response.status_code == 200, path
        assert response.headers.get("content-encoding") == "gzip", path
        assert response.headers["cache-control"] == "no-cache", path
        again = await client.get(path, headers={**GZIP, "if-none-match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", path


async def test_images_are_not_compressed_again(api):
    response = await api().get("/icons/icon-512.png", headers=GZIP)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert "content-encoding" not in response.headers
    assert response.content == (ROOT / "pwa" / "icons" / "icon-512.png").read_bytes()


async def test_only_a_url_of_the_running_release_is_cached_for_a_year(api):
    client = api()
    version = release_version()
    assert version and version in (ROOT / "service_worker" / "version.js").read_text()
    current = await client.get(f"/icons/icon-192.png?v={version}")
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    older = await client.get("/icons/icon-192.png?v=2020-01-01.1")
    assert older.headers["cache-control"] == "no-cache"
    unversioned = await client.get("/icons/icon-192.png")
    assert unversioned.headers["cache-control"] == "no-cache"


async def test_small_answers_stay_plain(api):
    response = await api().get("/api/v1/auth/me", headers=GZIP)
    assert response.status_code == 401 and "content-encoding" not in response.headers
    assert response.json()["code"] == "not_authenticated"


async def test_the_live_stream_is_never_compressed_and_streams_at_once(fx_app, fx_password_hash):
    world = await build_world(fx_password_hash)
    token = await sessions.create_session(world.users["member"], 3600)
    stream = SseStream(fx_app, "/api/v1/live", token)
    stream.scope["headers"].append((b"accept-encoding", b"gzip, deflate, br"))
    async with stream:
        assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in stream.headers
        opening = await stream.next_message(timeout=2)  # a gzip stream would hold it back
        assert opening.retry == 5000

