"""Membership follows the verified address: a community's perimeter (its commune, narrowed to listed
streets or postal codes) decides who may join, sign up or be activated there."""

from __future__ import annotations

import pytest

from backend.auth.tables import User
from backend.communities.tables import Membership
from backend.demo import make_community, make_user
from backend.lib.text import street_key
from tests.auth.test_signup_and_login import signup_body
from tests.builders import build_world
from tests.conftest import Api


@pytest.mark.parametrize("written", ["Rue des Tilleuls", "R. DES TILLEULS", "12 bis, rue des tilleuls",
                                     "  rue   des Tilleuls "])
def test_street_names_compare_folded(written):
    assert street_key(written) == street_key("12 rue des Tilleuls") == "rue des tilleuls"


def test_accents_and_abbreviations_fold_but_other_streets_differ():
    assert street_key("4 Av. du Gal Leclerc") == street_key("avenue du Général-Leclerc")
    assert street_key("3 pl. Ste-Anne") == street_key("Place Sainte Anne")
    assert street_key("12 rue de l'Église") == street_key("rue de l eglise")
    assert street_key("12 rue des Tilleuls") != street_key("12 allée des Tilleuls")
    assert street_key("12 rue des Tilleuls") != street_key("12 rue des Tilleul")


async def test_cross_commune_join_is_refused_in_french_and_changes_nothing(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    member = await api.as_user(w.email("member"))  # verified at 12 rue des Tilleuls, 45100 Bellerive-sur-Loire
    before = await Membership.count()
    r = await member.post(f"/api/v1/communities/{w.foreign}/join")  # Montval, 45200
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "commune_mismatch"
    assert "ne correspond pas au code postal 45100" in body["detail"] and "Montval" in body["detail"]
    assert "nouvelle adresse" in body["detail"]  # verified: the way forward is a move, with a new letter
    assert await Membership.count() == before
    me = (await member.get("/api/v1/auth/me")).json()
    assert [m["community_id"] for m in me["memberships"]] == [w.community]
    # Its content stays closed.
    assert (await member.get(f"/api/v1/communities/{w.foreign}")).status_code == 403


async def test_neighbour_in_a_listed_street_joins_at_once_others_are_refused(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    staff = await api.as_user(w.email("staff"))
    r = await staff.put(f"/api/v1/communities/{w.sibling}/perimeter",
                        {"streets": ["R. DES TILLEULS", "Rue des Tilleuls", "Allée du Moulin"]})
    assert r.status_code == 200, r.text
    assert r.json()["streets"] == ["R. DES TILLEULS", "Allée du Moulin"]  # the same street once
    # "member" lives 12 rue des Tilleuls: inside Centre-Bourg's listed streets, active at once.
    member = await api.as_user(w.email("member"))
    joined = await member.post(f"/api/v1/communities/{w.sibling}/join")
    assert joined.status_code == 201, joined.text
    assert joined.json() == {"community_id": w.sibling, "status": "active"}
    assert (await member.get(f"/api/v1/communities/{w.sibling}")).status_code == 200
    # A verified resident of another street of the commune is refused, in French, nothing created.
    away = await make_user("foch@test.vigie.fr", "Jean", "Foch", password_hash=fx_password_hash,
                           community_id=w.community, address_line1="3 avenue Foch")
    client = await api.as_user("foch@test.vigie.fr")
    refused = await client.post(f"/api/v1/communities/{w.sibling}/join")
    assert refused.status_code == 400 and refused.json()["code"] == "outside_perimeter"
    assert "périmètre du quartier « Centre-Bourg »" in refused.json()["detail"]
    assert await Membership.count().where(Membership.user == away) == 1
    # A listed postal code covers its addresses too.
    assert (await staff.put(f"/api/v1/communities/{w.sibling}/perimeter",
                            {"streets": ["Allée du Moulin"], "postal_codes": ["45100"]})).status_code == 200
    assert (await client.post(f"/api/v1/communities/{w.sibling}/join")).json()["status"] == "active"


async def test_mismatched_signup_is_refused_in_french_and_creates_nobody(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    users = await User.count()
    client = api()
    r = await client.post("/api/v1/auth/signup", signup_body(w.community, postal_code="75011", city="Paris"))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "commune_mismatch"
    assert r.json()["detail"].startswith("Le quartier « Les Tilleuls » est à Bellerive-sur-Loire (45100)")
    assert await User.count() == users
    # A listed street list is enforced at sign-up as well.
    staff = await api.as_user(w.email("staff"))
    await staff.put(f"/api/v1/communities/{w.community}/perimeter", {"streets": ["rue des Tilleuls"]})
    outside = await client.post("/api/v1/auth/signup", signup_body(w.community, address_line1="4 rue des Lilas"))
    assert outside.status_code == 400 and outside.json()["code"] == "outside_perimeter"
    inside = await client.post("/api/v1/auth/signup", signup_body(w.community, address_line1="8, r. des Tilleuls"))
    assert inside.status_code == 201, inside.text
    assert await User.count() == users + 1


async def test_perimeter_is_edited_by_staff_and_referents_within_the_commune(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    referent = await api.as_user(w.email("referent"))
    bad = await referent.put(f"/api/v1/communities/{w.community}/perimeter", {"postal_codes": ["75011"]})
    assert bad.status_code == 400 and bad.json()["code"] == "postal_code_outside_commune"
    assert "75011" in bad.json()["detail"]
    empty = await referent.put(f"/api/v1/communities/{w.community}/perimeter", {"streets": ["12 ..."]})
    assert empty.status_code == 400 and empty.json()["code"] == "invalid_street"
    ok = await referent.put(f"/api/v1/communities/{w.community}/perimeter",
                            {"streets": ["rue des Tilleuls", " "], "postal_codes": ["45100"]})
    assert ok.status_code == 200
    assert ok.json()["streets"] == ["rue des Tilleuls"] and ok.json()["perimeter_postal_codes"] == ["45100"]
    # Anyone choosing a community at sign-up sees what it covers.
    hits = (await api().get("/api/v1/communities/search", params={"q": "45100"})).json()
    tilleuls = next(h for h in hits if h["id"] == w.community)
    assert tilleuls["streets"] == ["rue des Tilleuls"] and tilleuls["perimeter_postal_codes"] == ["45100"]
    # A plain member, or staff of another commune, may not edit it; the referent of another community neither.
    for role in ("member", "other_staff", "other_member"):
        client = await api.as_user(w.email(role))
        assert (await client.put(f"/api/v1/communities/{w.community}/perimeter", {})).status_code == 403, role
    # Emptied: the whole commune again.
    staff = await api.as_user(w.email("staff"))
    cleared = await staff.put(f"/api/v1/communities/{w.community}/perimeter", {"streets": [], "postal_codes": []})
    assert cleared.json()["streets"] == [] and cleared.json()["perimeter_postal_codes"] == []


async def test_at_most_three_communities_per_person(fx_app_factory, fx_password_hash):
    w = await build_world(fx_password_hash)
    app = await fx_app_factory()
    extra = [await make_community(w.commune, f"Quartier {i}") for i in range(2)]
    member = Api(app)
    await member.login(w.email("member"))
    assert (await member.post(f"/api/v1/communities/{w.sibling}/join")).json()["status"] == "active"
    assert (await member.post(f"/api/v1/communities/{extra[0]}/join")).json()["status"] == "active"
    fourth = await member.post(f"/api/v1/communities/{extra[1]}/join")
    assert fourth.status_code == 409 and fourth.json()["code"] == "too_many_communities"
    assert "3 quartiers" in fourth.json()["detail"]
    assert await Membership.count().where(Membership.user == w.users["member"]) == 3
    await member.aclose()


async def test_demo_members_live_inside_their_community(fx_engine):
    from backend.communities.perimeter import perimeter_of
    from backend.demo import seed_demo

    await seed_demo()
    rows = await Membership.select(Membership.community, Membership.user.address_line1, Membership.user.postal_code)
    assert len(rows) == 4
    listed = 0
    for r in rows:
        perimeter = await perimeter_of(r["community"])
        assert perimeter.refusal(r["user.address_line1"], r["user.postal_code"]) is None, perimeter.community_name
        listed += not perimeter.whole_commune
    assert listed  # the demo shows a street list


async def test_a_postal_code_shared_by_two_communes_needs_the_right_town(api, fx_password_hash):
    from backend.communities.perimeter import city_key
    from backend.demo import make_commune

    assert city_key("St-Jean-de-Braye Cedex") == city_key("Saint Jean de Braye")
    assert city_key("Paris 11e") == city_key("PARIS")
    w = await build_world(fx_password_hash)  # Bellerive-sur-Loire: 45100
    orleans = await make_commune("Orléans", "45234", "45000,45100")
    source = await make_community(orleans, "La Source")
    client = api()
    users = await User.count()
    r = await client.post("/api/v1/auth/signup", signup_body(w.community, city="Orléans"))
    assert r.status_code == 400 and r.json()["code"] == "commune_mismatch"
    assert "Le code postal 45100 couvre plusieurs communes" in r.json()["detail"]
    assert await User.count() == users
    ok = await client.post("/api/v1/auth/signup", signup_body(source, city="ORLEANS", email="o@example.fr"))
    assert ok.status_code == 201, ok.text
    # "member" lives in Bellerive-sur-Loire, 45100: La Source (Orléans, also 45100) is refused.
    member = await api.as_user(w.email("member"))
    joined = await member.post(f"/api/v1/communities/{source}/join")
    assert joined.status_code == 400 and joined.json()["code"] == "commune_mismatch"
    assert await Membership.count().where(Membership.community == source) == 1
