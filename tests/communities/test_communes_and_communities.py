"""Admins create communes and appoint staff; staff create communities and referents; anyone searches."""

from __future__ import annotations

from backend.communities.official import import_communes
from backend.communities.tables import Commune, Community
from tests.builders import build_world


async def test_admin_staff_and_referent_set_up_a_commune(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    await import_communes(only={"59350"})  # the official list, Lille only
    admin = await api.as_user(w.email("admin"))
    bad = await admin.post("/api/v1/communes", {"insee_code": "ABC", "name": "X", "postal_codes": ["12"]})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_insee"
    # Never typed free-hand: a well-formed code that is not in the official list is refused.
    unknown = await admin.post("/api/v1/communes", {"insee_code": "59999", "name": "Lilleville"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_insee"
    assert "liste officielle" in unknown.json()["detail"]
    r = await admin.post("/api/v1/communes", {"insee_code": "59350", "name": "Lil", "postal_codes": ["12345"],
                                              "police_email": "police@lille.test"})
    assert r.status_code == 201, r.text
    # Name, postal codes, département and population come from the list, not from what was sent.
    assert (r.json()["name"], r.json()["departement"]) == ("Lille", "59")
    assert {"59000", "59800"} <= set(r.json()["postal_codes"]) and r.json()["population"] > 200_000
    commune = r.json()["id"]
    assert (await admin.post("/api/v1/communes", {"insee_code": "59350", "name": "Lille", "postal_codes": ["59000"]})
            ).status_code == 409
    assert await Commune.count() == 3

    # The admin makes the "other_member" resident staff of Lille; the change applies at once.
    assert (await admin.post(f"/api/v1/communes/{commune}/staff", {"user_id": w.users["other_member"]})).status_code == 204
    staff = await api.as_user(w.email("other_member"))
    me = (await staff.get("/api/v1/auth/me")).json()
    assert {"id": commune, "name": "Lille"} in me["mairie_communes"]
    assert [c["name"] for c in (await staff.get("/api/v1/communes")).json()] == ["Lille"]

    bad_radius = await staff.post(f"/api/v1/communes/{commune}/communities",
                                  {"name": "Vieux-Lille", "center_lat": 50.64, "center_lon": 3.06, "radius_m": 5})
    assert bad_radius.status_code == 400 and bad_radius.json()["code"] == "invalid_radius"
    created = await staff.post(f"/api/v1/communes/{commune}/communities",
                               {"name": "Vieux-Lille", "center_lat": 50.64, "center_lon": 3.06, "radius_m": 800})
    assert created.status_code == 201 and created.json()["commune_name"] == "Lille"
    assert await Community.count().where(Community.commune == commune) == 1
    # Staff of Lille cannot create communities elsewhere.
    assert (await staff.post(f"/api/v1/communes/{w.commune}/communities",
                             {"name": "Intrus", "center_lat": 47.9, "center_lon": 1.9})).status_code == 403

    # Anyone finds it by postal code or name, accents and case aside.
    anonymous = api()
    for q in ("59800", "590", "lille", "vieux"):
        hits = (await anonymous.get("/api/v1/communities/search", params={"q": q})).json()
        assert [h["name"] for h in hits] == ["Vieux-Lille"], q
    short = await anonymous.get("/api/v1/communities/search", params={"q": "l"})
    assert short.status_code == 400 and short.json()["code"] == "query_too_short"

    # The commune's staff appoint a verified member as referent; a pending one cannot be.
    local_staff = await api.as_user(w.email("staff"))
    assert (await local_staff.post(f"/api/v1/communities/{w.community}/referents",
                                   {"user_id": w.users["unverified"]})).status_code == 400
    assert (await local_staff.post(f"/api/v1/communities/{w.community}/referents",
                                   {"user_id": w.users["member"]})).status_code == 204
    member = await api.as_user(w.email("member"))
    assert (await member.get("/api/v1/auth/me")).json()["memberships"][0]["role"] == "referent"
    pending = (await member.get(f"/api/v1/communities/{w.community}/pending")).json()
    assert [p["user_id"] for p in pending] == [w.users["unverified"]]
    assert pending[0]["street"] == "rue des Tilleuls"  # never the house number

    # The admin appoints a moderator, who can then print letters.
    assert (await admin.post("/api/v1/admin/moderators", {"user_id": w.users["referent"]})).status_code == 204
    referent = await api.as_user(w.email("referent"))
    assert (await referent.get("/api/v1/letters")).json()["unprinted"] == 1


async def test_signups_are_rate_limited_per_address(fx_app_factory, fx_password_hash):
    from backend.demo import make_commune, make_community
    from tests.auth.test_signup_and_login import signup_body
    from tests.conftest import Api

    app = await fx_app_factory(signups_per_hour_per_ip=2)
    community = await make_community(await make_commune(), "Les Tilleuls")
    client = Api(app)
    for i in range(2):
        r = await client.post("/api/v1/auth/signup", signup_body(community, email=f"p{i}@example.fr"))
        assert r.status_code == 201
    third = await client.post("/api/v1/auth/signup", signup_body(community, email="p3@example.fr"))
    assert third.status_code == 429 and third.json()["detail"].startswith("Trop d'inscriptions")
    await client.aclose()
