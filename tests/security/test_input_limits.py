"""Input no column can hold is a clear 4xx (French detail, stable code), never a 500, and changes nothing;
the OpenAPI document is served."""

from __future__ import annotations

from backend.alerts.tables import Alert
from backend.auth.tables import User
from backend.lib import input_limits
from backend.lib.input_limits import INT_MAX
from tests.builders import build_world

HUGE = [2**63, 2**64 + 7, INT_MAX + 1, -(2**63) - 1]


async def test_ids_beyond_the_integer_columns_in_a_path_are_not_found(api, fx_password_hash):
    world = await build_world(fx_password_hash)
    member = await api.as_user(world.email("member"))
    for value in HUGE:
        for method, path in [("GET", f"/api/v1/alerts/{value}"), ("DELETE", f"/api/v1/gazette/comments/{value}"),
                             ("GET", f"/api/v1/communities/{value}"),
                             ("GET", f"/api/v1/communities/{world.community}/directory/{value}")]:
            r = await member.request(method, path)
            assert r.status_code == 404, (method, path, r.status_code, r.text)
            assert r.json()["code"] == "not_found"
    # the largest id a column holds is still an ordinary id (here: one that does not exist)
    assert (await member.get(f"/api/v1/alerts/{INT_MAX}")).status_code == 404
    assert (await member.get(f"/api/v1/alerts/{world.alert}")).status_code == 200


async def test_integers_beyond_range_in_a_query_are_refused_and_other_digits_are_text(api, fx_password_hash):
    world = await build_world(fx_password_hash)
    member = await api.as_user(world.email("member"))
    for value in HUGE:
        r = await member.get(f"/api/v1/communities/{world.community}/alerts", params={"before": str(value)})
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "number_out_of_range" and "Nombre hors limites" in r.json()["detail"]
    r = await member.get(f"/api/v1/communities/{world.community}/alerts", params={"before": str(INT_MAX)})
    assert r.status_code == 200 and [a["id"] for a in r.json()["items"]] == [world.alert]
    # a long number in a text parameter (a phone number searched in the directory) is text, not refused
    r = await member.get(f"/api/v1/communities/{world.community}/directory", params={"q": "33612345678901234567890"})
    assert r.status_code == 200, r.text


async def test_integers_beyond_range_in_a_json_body_are_refused_and_nothing_changes(api, fx_password_hash):
    world = await build_world(fx_password_hash)
    member = await api.as_user(world.email("member"))
    before = await Alert.count()
    body = {"category": "other", "title": "Portail ouvert", "body": "Au 12 rue des Lilas.",
            "community_ids": [2**64]}
    for payload in (body, {**body, "community_ids": None, "extra": {"deep": [1, 2**63]}}):
        r = await member.post(f"/api/v1/communities/{world.community}/alerts", payload)
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "number_out_of_range"
    r = await member.post("/api/v1/messages/blocks", {"user_id": 2**63})
    assert r.status_code == 400 and r.json()["code"] == "number_out_of_range", r.text
    assert await Alert.count() == before


async def test_json_nested_thousands_deep_is_refused(api, fx_password_hash):
    world = await build_world(fx_password_hash)
    member = await api.as_user(world.email("member"))
    for depth in (1000, 50_000):
        deep = "[" * depth + "]" * depth
        r = await member.request("POST", f"/api/v1/communities/{world.community}/alerts",
                                 content=deep.encode(), headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text
        assert r.json() == {"status_code": 400, "detail": "Données trop imbriquées.", "code": "json_too_deep"}
        r = await api().request("POST", "/api/v1/auth/login", content=('{"email":' + deep + "}").encode(),
                                headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["code"] == "json_too_deep"


async def test_nul_characters_are_refused(api, fx_password_hash):
    world = await build_world(fx_password_hash)
    member = await api.as_user(world.email("member"))
    r = await member.post("/api/v1/auth/signup", {"email": "a\u0000@example.fr", "password": "x" * 12})
    assert r.status_code == 400 and r.json()["code"] == "null_character", r.text
    r = await api().get("/api/v1/communities/search", params={"q": "45\u0000"})
    assert r.status_code == 400 and r.json()["code"] == "null_character", r.text
    r = await api().get("/dev/outbox/letters/a%00b.pdf")
    assert r.status_code == 404, r.text
    assert await User.count().where(User.email.like("a%@example.fr")) == 0


async def test_openapi_document_is_public_and_describes_the_api(api):
    client = api()
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] == "Vigie API"
    alerts = doc["paths"]["/api/v1/communities/{community_id}/alerts"]
    body = alerts["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AlertIn"}
    assert {p["name"]: p["schema"]["type"] for p in alerts["get"]["parameters"] if p["in"] == "path"} == {
        "community_id": "integer"}
    # the range every integer must lie in is written on each (what the input limits enforce)
    path_id = next(p["schema"] for p in alerts["get"]["parameters"] if p["name"] == "community_id")
    assert (path_id["minimum"], path_id["maximum"]) == (-(2**31), INT_MAX)
    blocks = doc["components"]["schemas"]["BlockIn"]["properties"]["user_id"]
    assert blocks["maximum"] == INT_MAX
    # answers that are not JSON say what they are
    media = {path: list(doc["paths"][path]["get"]["responses"]["200"]["content"]) for path in (
        "/api/v1/audit.csv", "/api/v1/open/communes/{commune_id}/feed.atom", "/api/v1/live",
        "/api/v1/open/communes/{commune_id}/cap/{broadcast_id}", "/api/v1/gazette/photos/{photo_id}")}
    assert media == {"/api/v1/audit.csv": ["text/csv"], "/api/v1/open/communes/{commune_id}/feed.atom": [
        "application/atom+xml"], "/api/v1/live": ["text/event-stream"], "/api/v1/open/communes/{commune_id}/cap/"
        "{broadcast_id}": ["application/cap+xml"], "/api/v1/gazette/photos/{photo_id}": ["image/jpeg"]}
    # static files and the service worker are not API operations; no viewer loading CDN scripts
    assert not any(path.startswith(("/sw", "/{")) for path in doc["paths"])
    for viewer in ("/schema/swagger", "/schema/redoc", "/schema/elements"):
        assert (await client.get(viewer)).status_code == 404
    # read-only
    assert (await client.post("/schema/openapi.json", json={})).status_code in (403, 405)


async def test_a_json_body_beyond_the_body_limit_is_refused_before_it_is_read(api, fx_password_hash, monkeypatch):
    world = await build_world(fx_password_hash)
    member = await api.as_user(world.email("member"))
    monkeypatch.setattr(input_limits, "JSON_BODY_LIMIT", 64 * 1024)
    deep = b"[" * 40_000 + b"]" * 40_000  # too deep, and beyond the limit: never decoded
    r = await member.request("POST", f"/api/v1/communities/{world.community}/alerts", content=deep,
                             headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "too_large", r.text
    assert await Alert.count() == 1  # the world's own alert only
