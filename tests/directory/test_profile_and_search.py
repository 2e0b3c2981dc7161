"""A member edits their profile (partial, validated, nothing half-written); searching the directory."""

from __future__ import annotations

import pytest

from backend.directory.tables import Profile
from tests.builders import World, build_world
from tests.directory.helpers import neighbour, set_profile


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await build_world(fx_password_hash)


async def test_profile_starts_private_and_changes_only_the_fields_sent(api, world):
    member = await api.as_user(world.email("member"))
    first = (await member.get("/api/v1/directory/me")).json()
    assert first["phone_visibility"] == "nobody" and first["email_visibility"] == "nobody"
    assert first["address_visibility"] == "nobody" and first["other_contact_visibility"] == "community"
    assert first["street"] == "rue des Tilleuls" and first["address"] == "12 rue des Tilleuls"
    assert first["bio"] == "" and first["photo_url"] is None and first["updated_at"] is None

    r = await member.patch("/api/v1/directory/me", {"bio": "  Retraitée, jardinière.  ", "interests": [
        "Jardinage", "jardinage", " Pétanque ", ""], "skills": ["garde_animaux", "courses", "courses"]})
    assert r.status_code == 200, r.text
    assert r.json()["bio"] == "Retraitée, jardinière." and r.json()["interests"] == ["Jardinage", "Pétanque"]
    assert [s["code"] for s in r.json()["skills"]] == ["garde_animaux", "courses"]
    assert r.json()["skills"][0]["label"] == "Garde d'animaux"
    r = await member.patch("/api/v1/directory/me", {"phone_visibility": "community"})
    assert r.json()["phone_visibility"] == "community" and r.json()["bio"] == "Retraitée, jardinière."
    assert r.json()["updated_at"] is not None


@pytest.mark.parametrize("body, code", [
    ({"phone_visibility": "everyone"}, "invalid_visibility"),
    ({"skills": ["astrologie"]}, "invalid_skills"),
    ({"skills_other": ["x"]}, "invalid_skills"),
    ({"skills_other": [f"coup de main {i}" for i in range(6)]}, "invalid_skills"),
    ({"interests": [f"sujet {i}" for i in range(13)]}, "invalid_interests"),
    ({"interests": ["y" * 31]}, "invalid_interests"),
    ({"bio": "b" * 301}, "invalid_bio"),
    ({"help_note": "h" * 201}, "invalid_help_note"),
    ({"other_contact": "o" * 201}, "invalid_other_contact"),
])
async def test_bad_profile_is_refused_in_french_and_nothing_is_written(api, world, body, code):
    member = await api.as_user(world.email("member"))
    r = await member.patch("/api/v1/directory/me", {"bio": "Ceci ne doit pas être enregistré", **body})
    assert r.status_code == 400 and r.json()["code"] == code, r.text
    assert r.json()["detail"][0].isupper()
    assert (await member.get("/api/v1/directory/me")).json()["bio"] == ""
    assert await Profile.count() == 0


async def test_skill_list_is_the_fixed_french_list(api, world):
    member = await api.as_user(world.email("member"))
    skills = (await member.get("/api/v1/directory/skills")).json()
    labels = {s["code"]: s["label"] for s in skills}
    assert labels["courses"] == "Courses" and labels["bricolage"] == "Bricolage"
    assert labels["garde_animaux"] == "Garde d'animaux" and len(skills) >= 10


async def test_search_by_name_street_interest_or_skill_ignores_accents_and_case(api, world, fx_password_hash):
    await neighbour(world, fx_password_hash, "elodie", "Élodie", "Lefèvre", "3 rue de l'Église", "+33611110020")
    await neighbour(world, fx_password_hash, "noel", "Noël", "Durand", "8 avenue des Châtaigniers", "+33611110021")
    await set_profile(api, world.email("elodie"), interests=["Pétanque"], skills=["garde_animaux"])
    await set_profile(api, world.email("noel"), interests=["échecs", "Œnologie"], skills_other=["Réparer les vélos"])
    member = await api.as_user(world.email("member"))

    async def found(q: str) -> set[str]:
        r = await member.get(f"/api/v1/communities/{world.community}/directory", params={"q": q})
        assert r.status_code == 200, r.text
        return {e["first_name"] for e in r.json()}

    assert await found("elodie") == {"Élodie"}
    assert await found("LEFEVRE") == {"Élodie"}
    assert await found("eglise") == {"Élodie"}
    assert await found("petanque") == {"Élodie"}
    assert await found("animaux") == {"Élodie"}  # a skill, by its French label
    assert await found("chataigniers") == {"Noël"}
    assert await found("noel durand") == {"Noël"}  # every word must match
    assert await found("ECHECS") == {"Noël"} and await found("oenologie") == {"Noël"}
    assert await found("velos") == {"Noël"}
    assert await found("noel eglise") == set()
    assert await found("8 avenue") == set()  # house numbers are not searchable
    assert await found("  ") == {"Member", "Referent", "Élodie", "Noël"}
    # The same search from another community is refused, not filtered.
    other = await api.as_user(world.email("other_member"))
    assert (await other.get(f"/api/v1/communities/{world.community}/directory", params={"q": "elodie"})).status_code == 403
