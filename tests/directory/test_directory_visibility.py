"""Who sees which directory field: every contact field with every visibility, as every kind of viewer."""

from __future__ import annotations

import pytest

from backend.auth.tables import User
from tests.builders import World, build_world
from tests.directory.helpers import neighbour, set_profile

FIELDS = {"phone": "phone_visibility", "email": "email_visibility", "other": "other_contact_visibility",
          "address": "address_visibility"}
# Three neighbours: each field takes each visibility once.
SUBJECTS = {
    "s1": dict(phone_visibility="community", email_visibility="referents", other_contact_visibility="nobody",
               address_visibility="community"),
    "s2": dict(phone_visibility="referents", email_visibility="nobody", other_contact_visibility="community",
               address_visibility="referents"),
    "s3": dict(phone_visibility="nobody", email_visibility="community", other_contact_visibility="referents",
               address_visibility="nobody"),
}
PHONES = {"s1": "+33611110001", "s2": "+33611110002", "s3": "+33611110003"}
ADDRESSES = {"s1": "12 bis rue des Lilas", "s2": "3 impasse du Moulin", "s3": "27 avenue de la Gare"}
STREETS = {"s1": "rue des Lilas", "s2": "impasse du Moulin", "s3": "avenue de la Gare"}
# Which visibilities each viewer passes (the subject themself passes all; see test below).
PASSES = {"member": {"community"}, "referent": {"community", "referents"}, "moderator": set(), "admin": set()}


@pytest.fixture
async def world(fx_password_hash, fx_settings, api) -> World:
    w = await build_world(fx_password_hash)
    for key, visibilities in SUBJECTS.items():
        await neighbour(w, fx_password_hash, key, key.upper(), "Voisin", ADDRESSES[key], PHONES[key])
        await set_profile(api, w.email(key), bio=f"Bonjour, je suis {key}", interests=["Jardinage"],
                          skills=["courses", "bricolage"], skills_other=["Réparer les vélos"],
                          help_note="Je peux aider le samedi.", other_contact=f"Sonnez au portail ({key})",
                          **visibilities)
    return w


def expected_contact(key: str, field: str, viewer: str) -> str | None:
    values = {"phone": PHONES[key], "email": f"{key}@test.vigie.fr", "other": f"Sonnez au portail ({key})",
              "address": ADDRESSES[key]}
    return values[field] if SUBJECTS[key][FIELDS[field]] in PASSES[viewer] else None


def shown(entry: dict) -> dict[str, str | None]:
    return {"address": entry["address"], **entry["contacts"]}


@pytest.mark.parametrize("viewer", ["member", "referent", "moderator", "admin"])
async def test_each_contact_field_follows_its_visibility_for_each_viewer(api, world, viewer):
    client = await api.as_user(world.email(viewer))
    listing = await client.get(f"/api/v1/communities/{world.community}/directory")
    assert listing.status_code == 200, listing.text
    entries = {e["user_id"]: e for e in listing.json()}
    for key in SUBJECTS:
        card = (await client.get(f"/api/v1/communities/{world.community}/directory/{world.users[key]}")).json()
        for entry in (entries[world.users[key]], card):
            assert shown(entry) == {f: expected_contact(key, f, viewer) for f in FIELDS}, (key, viewer)
            # What every viewer of the directory sees: name, street without number, profile.
            assert entry["name"] == f"{key.upper()} Voisin" and entry["street"] == STREETS[key]
            assert entry["bio"] == f"Bonjour, je suis {key}" and entry["interests"] == ["Jardinage"]
            assert [s["label"] for s in entry["skills"]] == ["Courses", "Bricolage"]
            assert entry["skills_other"] == ["Réparer les vélos"] and entry["help_note"] == "Je peux aider le samedi."
            assert entry["is_me"] is False
        # Hidden values are nowhere in the answer (the offline copy holds only what may be seen).
        for field in FIELDS:
            if expected_contact(key, field, viewer) is None and field != "address":
                hidden = {"phone": PHONES[key], "email": f"{key}@test.vigie.fr",
                          "other": f"Sonnez au portail ({key})"}[field]
                assert hidden not in listing.text
    if viewer in ("moderator", "admin"):  # not members: no contact field at all
        assert all(shown(e) == {f: None for f in FIELDS} for e in listing.json())


async def test_member_sees_all_their_own_fields_whatever_the_visibility(api, world):
    for key in SUBJECTS:
        client = await api.as_user(world.email(key))
        mine = next(e for e in (await client.get(f"/api/v1/communities/{world.community}/directory")).json()
                    if e["is_me"])
        assert shown(mine) == {"phone": PHONES[key], "email": f"{key}@test.vigie.fr",
                               "other": f"Sonnez au portail ({key})", "address": ADDRESSES[key]}
        profile = (await client.get("/api/v1/directory/me")).json()
        assert {k: profile[v] for k, v in FIELDS.items()} == {k: SUBJECTS[key][v] for k, v in FIELDS.items()}


@pytest.mark.parametrize("viewer", ["other_member", "staff", "other_staff", "unverified"])
async def test_other_community_mairie_staff_and_unverified_cannot_read_the_directory(api, world, viewer):
    client = await api.as_user(world.email(viewer))
    for path in (f"/api/v1/communities/{world.community}/directory",
                 f"/api/v1/communities/{world.community}/directory/{world.users['s1']}"):
        response = await client.get(path)
        assert response.status_code == 403, (viewer, response.text)
        assert PHONES["s1"] not in response.text
    photo = await client.get(f"/api/v1/directory/photos/{world.users['s1']}")
    assert photo.status_code == 404


async def test_directory_lists_only_active_members_of_the_community(api, world, fx_password_hash):
    await neighbour(world, fx_password_hash, "suspended", "Suspendu", "Voisin", "1 rue Haute", "+33611110009")
    await User.update({User.is_suspended: True}).where(User.id == world.users["suspended"])
    client = await api.as_user(world.email("member"))
    listing = (await client.get(f"/api/v1/communities/{world.community}/directory")).json()
    listed = {e["user_id"] for e in listing}
    assert listed == {world.users[k] for k in ("member", "referent", "s1", "s2", "s3")}
    # pending sign-up, member of the sibling community, staff, suspended: not listed, no card
    for key in ("unverified", "other_member", "staff", "suspended"):
        assert world.users[key] not in listed
        card = await client.get(f"/api/v1/communities/{world.community}/directory/{world.users[key]}")
        assert card.status_code == 404 and card.json()["code"] == "member_not_found"
    referent = next(e for e in listing if e["user_id"] == world.users["referent"])
    assert referent["role"] == "referent" and referent["photo_url"] is None


async def test_defaults_hide_phone_email_and_house_number(api, world, fx_password_hash):
    await neighbour(world, fx_password_hash, "fresh", "Nouvelle", "Voisine", "5 ter chemin Vert", "+33611110010")
    client = await api.as_user(world.email("referent"))
    card = (await client.get(f"/api/v1/communities/{world.community}/directory/{world.users['fresh']}")).json()
    assert card["street"] == "chemin Vert" and card["address"] is None
    assert card["contacts"] == {"phone": None, "email": None, "other": None}
    assert card["bio"] == "" and card["interests"] == [] and card["skills"] == []
