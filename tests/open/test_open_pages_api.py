"""The public map's and « Vigie en chiffres »' data: no account, counts only, members rounded and never
fewer than 5, cached (Cache-Control and Valkey), rate-limited, in the OpenAPI."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from backend.alerts.tables import Alert
from backend.checkins.tables import Checkin, CheckinRound
from backend.communities.tables import Commune, MairieStaff
from backend.demo import make_commune, make_community
from backend.gazette.tables import GazettePost, GazetteRideRequest
from backend.lib import clock
from backend.lib.valkey import make_client
from backend.open.service import month_start, rounded_count
from tests.builders import add_members, build_world
from tests.conftest import Api

MAP_FILE = Path(__file__).resolve().parents[2] / "pwa" / "map" / "departements.json"


def outline_box(code: str) -> tuple[float, float, float, float]:
    """The bounding box of a département's outline in the shipped map (paths of relative `m` moves and `z`)."""
    path = next(d["path"] for d in json.loads(MAP_FILE.read_text())["departements"] if d["code"] == code)
    xs, ys, x, y, start, first = [], [], 0.0, 0.0, (0.0, 0.0), False
    tokens = re.findall(r"[mz]|-?[\d.]+", path)
    i = 0
    while i < len(tokens):
        if tokens[i] == "m":
            first, i = True, i + 1
        elif tokens[i] == "z":
            (x, y), i = start, i + 1
        else:
            x, y, i = x + float(tokens[i]), y + float(tokens[i + 1]), i + 2
            if first:
                start, first = (x, y), False
            xs.append(x)
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def test_counts_are_rounded_and_never_fewer_than_5():
    assert [rounded_count(n) for n in (0, 1, 4)] == [(5, True)] * 3
    assert [rounded_count(n)[0] for n in (5, 7, 8, 12, 13, 99, 104, 996, 1049, 1051)] == [
        5, 5, 10, 10, 15, 100, 100, 1000, 1000, 1100]
    assert not rounded_count(5)[1]


async def test_the_map_shows_communes_with_rounded_counts_and_no_names(api, fx_password_hash, fx_settings):
    w = await build_world(fx_password_hash)  # Bellerive (45): 3 active members; Montval (45): none
    lille = await make_commune("Lille", "59350", "59000,59800")
    vieux_lille = await make_community(lille, "Vieux-Lille", lat=50.64, lon=3.06)
    await add_members(fx_password_hash, vieux_lille, 13)
    anonymous = api()
    response = await anonymous.get("/api/v1/open/communes")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=300"
    body = response.json()
    communes = {c["name"]: c for c in body["communes"]}
    assert set(communes) == {"Bellerive-sur-Loire", "Montval", "Lille"}
    bellerive, montval, lille_out = communes["Bellerive-sur-Loire"], communes["Montval"], communes["Lille"]
    assert (bellerive["communities"], bellerive["members"], bellerive["members_fewer_than_5"]) == (2, 5, True)
    assert (montval["communities"], montval["members"], montval["members_fewer_than_5"]) == (1, 5, True)
    assert (lille_out["communities"], lille_out["members"], lille_out["members_fewer_than_5"]) == (1, 15, False)
    assert bellerive["mairie"] and montval["mairie"] and not lille_out["mairie"]
    assert lille_out["signup_path"] == "#/inscription?commune=Lille"
    assert lille_out["postal_codes"] == ["59000", "59800"] and lille_out["departement"] == "59"
    # The point of Lille lies in the outline of the Nord, Bellerive's (47.9 N, 1.9 E) in the Loiret's.
    for commune, code in ((lille_out, "59"), (bellerive, "45")):
        x0, y0, x1, y1 = outline_box(code)
        assert x0 <= commune["x"] <= x1 and y0 <= commune["y"] <= y1, (commune, code, (x0, y0, x1, y1))
    assert body["departements"] == [
        {"code": "45", "name": "Loiret", "communes": 2, "communities": 3},
        {"code": "59", "name": "Nord", "communes": 1, "communities": 1},
    ]
    # Counts only: no person's name, e-mail or community name anywhere.
    for secret in ("Test", "test.vigie.fr", "Voisin", "Les Tilleuls", "Vieux-Lille"):
        assert secret not in response.text, secret

    # Kept server-side: a new member changes nothing until the cached answer expires.
    await add_members(fx_password_hash, vieux_lille, 10, prefix="nouveau")
    assert (await anonymous.get("/api/v1/open/communes")).json() == body
    valkey = make_client(fx_settings.valkey_url)
    await valkey.delete("open:communes")
    await valkey.aclose()
    again = {c["name"]: c for c in (await anonymous.get("/api/v1/open/communes")).json()["communes"]}
    assert again["Lille"]["members"] == 25


async def test_the_figures_count_this_months_alerts_and_help(api, fx_password_hash, fx_settings):
    w = await build_world(fx_password_hash)  # one alert this month (suspicious_vehicle)
    now = clock.now()
    last_month = month_start(now) - timedelta(hours=1)
    for category, moderation, created in (("fire_smoke", "approved", now), ("fire_smoke", "pending", now),
                                          ("suspicious_person", "hidden", now), ("other", "approved", last_month)):
        await Alert.insert(Alert(community=w.community, author=w.users["member"], category=category, title="t",
                                 body="b", moderation=moderation, created_at=created))
    checkin = (await Checkin.insert(Checkin(
        community=w.community, person=w.users["member"], created_by=w.users["referent"], check_time="10:00",
        starts_on=now.date(), consent_method="app", consent_given_by="Member", consent_at=now,
        consent_recorded_by=w.users["referent"])).returning(Checkin.id))[0]["id"]
    await CheckinRound.insert(
        CheckinRound(checkin=checkin, period_date=now.date(), due_at=now, state="checked_in", checked_in_at=now),
        CheckinRound(checkin=checkin, period_date=now.date() - timedelta(days=1), due_at=now, state="someone_going",
                     going_at=now),
    )
    carpool = (await GazettePost.insert(GazettePost(
        community=w.community, commune=w.commune, author=w.users["member"], kind="carpool", title="Marché",
        body="Samedi", seats=3)).returning(GazettePost.id))[0]["id"]
    await GazetteRideRequest.insert(GazetteRideRequest(post=carpool, user=w.users["referent"], status="accepted",
                                                       answered_at=now))
    await MairieStaff.delete().where(MairieStaff.user == w.users["other_staff"])  # Montval's mairie leaves

    response = await api().get("/api/v1/open/stats")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=300"
    stats = response.json()
    assert (stats["members"], stats["members_fewer_than_5"]) == (5, True)  # 3 active members
    assert (stats["communities"], stats["communes"], stats["mairies"]) == (3, 2, 1)
    assert stats["month"] == month_start(now).strftime("%Y-%m")
    assert stats["alerts_by_category"] == [{"category": "fire_smoke", "count": 2},
                                           {"category": "suspicious_vehicle", "count": 1}]
    assert stats["alerts_this_month"] == 3
    assert (stats["checkins_answered"], stats["checkins_visits"]) == (1, 1)
    assert (stats["carpools_offered"], stats["carpool_seats"]) == (1, 1)


async def test_the_open_data_is_rate_limited_per_address_and_documented(fx_app_factory, fx_password_hash):
    await build_world(fx_password_hash)
    app = await fx_app_factory(open_requests_per_minute=3)
    client = Api(app)
    try:
        codes = [(await client.get(path)).status_code
                 for path in ("/api/v1/open/stats", "/api/v1/open/communes", "/api/v1/open/stats")]
        assert codes == [200, 200, 200]
        refused = await client.get("/api/v1/open/communes")
        assert refused.status_code == 429 and "réessayez" in refused.json()["detail"]
        schema = (await client.get("/schema/openapi.json")).json()
        assert {"/api/v1/open/communes", "/api/v1/open/stats"} <= set(schema["paths"])
        props = schema["components"]["schemas"]
        assert any("members_fewer_than_5" in s.get("properties", {}) for s in props.values())
    finally:
        await client.aclose()


async def test_a_mairie_that_joined_takes_part_since_that_day_even_without_staff(api, fx_password_hash):
    await build_world(fx_password_hash)  # Bellerive and Montval: staff appointed, never joined by application
    lille = await make_commune("Lille", "59350", "59000,59800")
    await make_community(lille, "Vieux-Lille", lat=50.64, lon=3.06)
    roubaix = await make_commune("Roubaix", "59512", "59100")
    await make_community(roubaix, "Centre", lat=50.69, lon=3.18)
    # Joined at 0:30 on 2 December, Paris time: still the 1st in UTC.
    await Commune.update({Commune.mairie_joined_at: datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)}).where(
        Commune.id == lille)
    communes = {c["name"]: c for c in (await api().get("/api/v1/open/communes")).json()["communes"]}
    assert (communes["Lille"]["mairie"], communes["Lille"]["mairie_joined_on"]) == (True, "2026-12-02")
    assert (communes["Bellerive-sur-Loire"]["mairie"], communes["Bellerive-sur-Loire"]["mairie_joined_on"]) == (
        True, None)
    assert (communes["Roubaix"]["mairie"], communes["Roubaix"]["mairie_joined_on"]) == (False, None)
    stats = (await api().get("/api/v1/open/stats")).json()
    assert stats["mairies"] == 3  # Bellerive and Montval (staff), Lille (joined, no staff yet)
