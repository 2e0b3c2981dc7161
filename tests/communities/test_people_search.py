"""Appointing by name (issue 14 item 6): the mairie's staff find the verified members of their
commune's neighbourhoods by name, admins find anyone; numeric ids are never typed."""

from __future__ import annotations

from backend.communities.tables import Membership
from backend.demo import make_user
from tests.builders import build_world


async def test_staff_find_verified_members_of_their_commune_by_name(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    await make_user("josiane@test.vigie.fr", "Josiane", "Membre-Étrangère", password_hash=fx_password_hash,
                    community_id=w.foreign)  # another commune
    staff = await api.as_user(w.email("staff"))
    r = await staff.get(f"/api/v1/communes/{w.commune}/people", params={"q": "test"})
    assert r.status_code == 200, r.text
    found = {p["name"]: p for p in r.json()}
    # Active members of Les Tilleuls and Centre-Bourg only: not the pending one, not the staff or admin
    # (no neighbourhood), not the other commune's people.
    assert set(found) == {"Member Test", "Referent Test", "Other_member Test"}
    assert found["Member Test"]["user_id"] == w.users["member"]
    assert found["Member Test"]["communities"] == ["Les Tilleuls"]
    # Several words: each in the first or the last name, case aside.
    assert [p["name"] for p in (await staff.get(f"/api/v1/communes/{w.commune}/people",
                                                params={"q": "REF test"})).json()] == ["Referent Test"]
    assert (await staff.get(f"/api/v1/communes/{w.commune}/people", params={"q": "Josiane"})).json() == []
    short = await staff.get(f"/api/v1/communes/{w.commune}/people", params={"q": " x %"})
    assert short.status_code == 400 and short.json()["code"] == "query_too_short"
    # Another commune's people are not theirs to search.
    assert (await staff.get(f"/api/v1/communes/{w.other_commune}/people", params={"q": "Josiane"})).status_code == 403


async def test_admins_find_anyone_with_their_roles_and_appoint_by_the_id_found(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    admin = await api.as_user(w.email("admin"))
    r = await admin.get("/api/v1/admin/people", params={"q": "staff"})
    assert r.status_code == 200, r.text
    [hit] = [p for p in r.json() if p["user_id"] == w.users["staff"]]
    assert hit["staff_of"] == ["Bellerive-sur-Loire"] and hit["communities"] == []
    [other] = (await admin.get("/api/v1/admin/people", params={"q": "other_member"})).json()
    assert other["communities"] == ["Centre-Bourg"] and other["is_moderator"] is False
    assert (await admin.post("/api/v1/admin/moderators", {"user_id": other["user_id"]})).status_code == 204
    [again] = (await admin.get("/api/v1/admin/people", params={"q": "other_member"})).json()
    assert again["is_moderator"] is True
    # Staff may not search the whole platform.
    staff = await api.as_user(w.email("staff"))
    assert (await staff.get("/api/v1/admin/people", params={"q": "test"})).status_code == 403
    assert await Membership.count() > 0
