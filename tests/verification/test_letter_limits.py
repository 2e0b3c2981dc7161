"""Letters cost money: pending letters per account and per address, and letters per account per month,
are limited (429 with a French reason, nothing created); moderators see the count per address.
A move means a new address and a new letter: memberships wait for its code."""

from __future__ import annotations

import pytest

from backend.auth.tables import User
from backend.communities.tables import Membership
from backend.demo import make_commune, make_community, make_user
from backend.verification.tables import ActivationLetter
from tests.auth.test_signup_and_login import signup_body
from tests.builders import build_world
from tests.verification.test_activation_letter import print_codes


@pytest.fixture
async def place(fx_engine):
    commune = await make_commune()
    return await make_community(commune, "Les Tilleuls"), await make_community(commune, "Centre-Bourg")


async def test_a_second_join_while_a_letter_is_pending_is_429_and_creates_nothing(api, place):
    tilleuls, bourg = place
    resident = api()
    assert (await resident.post("/api/v1/auth/signup", signup_body(tilleuls))).status_code == 201
    await resident.login("odette.lambert@example.fr", "un-mot-de-passe-long")  # sign-up opens no session
    r = await resident.post(f"/api/v1/communities/{bourg}/join")
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "letter_already_pending"
    assert r.json()["detail"].startswith("Un courrier d'activation est déjà en route pour votre compte.")
    assert await ActivationLetter.count() == 1
    assert await Membership.count() == 1


async def test_pending_letters_per_address_are_limited_at_sign_up(api, place, fx_settings):
    tilleuls, _ = place
    client = api()
    for i in range(fx_settings.letters_pending_per_address):
        # the same door written three ways: still one address
        line = ["4 rue des Lilas", "4, R. des Lilas", "4 RUE DES LILAS"][i % 3]
        r = await client.post("/api/v1/auth/signup", signup_body(tilleuls, email=f"p{i}@example.fr", address_line1=line))
        assert r.status_code == 201, r.text
    over = await client.post("/api/v1/auth/signup", signup_body(tilleuls, email="p9@example.fr"))
    assert over.status_code == 429 and over.json()["code"] == "letters_per_address"
    assert "courriers d'activation sont déjà en route vers cette adresse" in over.json()["detail"]
    assert await User.count() == fx_settings.letters_pending_per_address
    # The neighbour at number 6 is another address.
    ok = await client.post("/api/v1/auth/signup", signup_body(tilleuls, email="p6@example.fr",
                                                               address_line1="6 rue des Lilas"))
    assert ok.status_code == 201


async def test_letters_per_account_per_month_are_limited(api, place, fx_password_hash):
    tilleuls, _ = place
    await make_user("moderation@test.vigie.fr", "Luc", "Moreau", password_hash=fx_password_hash, is_moderator=True)
    resident = api()
    assert (await resident.post("/api/v1/auth/signup", signup_body(tilleuls))).status_code == 201
    await resident.login("odette.lambert@example.fr", "un-mot-de-passe-long")  # sign-up opens no session
    for _ in range(2):  # sign-up letter + 2 re-issues = 3 letters in 30 days
        assert (await resident.post("/api/v1/verification/reissue", {"community_id": tilleuls})).status_code == 202
    moderator = await api.as_user("moderation@test.vigie.fr")
    listing = (await moderator.get("/api/v1/letters")).json()
    assert listing["unprinted"] == 1
    # Voided letters still count for their address this month: the moderator sees 3, one on its way.
    row = listing["letters"][0]
    assert row["address"] == "4 rue des Lilas, 45100 Bellerive-sur-Loire"
    assert (row["address_pending"], row["address_month"]) == (1, 3)
    over = await resident.post("/api/v1/verification/reissue", {"community_id": tilleuls})
    assert over.status_code == 429 and over.json()["code"] == "letters_per_month"
    assert over.json()["detail"].startswith("Vous avez déjà demandé 3 courriers d'activation en 30 jours")
    assert int(over.headers["retry-after"]) > 29 * 86400
    # Nothing changed: the last letter still works.
    codes, _ = await print_codes(moderator)
    assert len(codes) == 1
    assert (await resident.post("/api/v1/verification/redeem", {"code": codes[0]})).status_code == 200


async def test_moderators_see_the_count_per_address_before_printing(api, place, fx_password_hash):
    tilleuls, _ = place
    await make_user("moderation@test.vigie.fr", "Luc", "Moreau", password_hash=fx_password_hash, is_moderator=True)
    client = api()
    for i, line in enumerate(["4 rue des Lilas", "4 r. des lilas", "9 rue des Lilas"]):
        assert (await client.post("/api/v1/auth/signup", signup_body(tilleuls, email=f"p{i}@example.fr",
                                                                     address_line1=line))).status_code == 201
    moderator = await api.as_user("moderation@test.vigie.fr")
    rows = (await moderator.get("/api/v1/letters")).json()["letters"]
    assert [(r["address_pending"], r["address_month"]) for r in rows] == [(2, 2), (2, 2), (1, 1)]


async def test_a_move_means_a_new_letter_and_pending_memberships_until_its_code(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    await make_user("moderation@test.vigie.fr", "Luc", "Moreau", password_hash=fx_password_hash, is_moderator=True)
    member = await api.as_user(w.email("member"))
    assert (await member.post(f"/api/v1/communities/{w.sibling}/join")).json()["status"] == "active"
    staff = await api.as_user(w.email("staff"))
    await staff.put(f"/api/v1/communities/{w.sibling}/perimeter", {"streets": ["rue des Tilleuls"]})
    move = {"address_line1": "5 rue Neuve", "postal_code": "45100", "city": "Bellerive-sur-Loire",
            "community_id": w.sibling}
    # The chosen community must hold the new address.
    outside = await member.put("/api/v1/verification/address", move)
    assert outside.status_code == 400 and outside.json()["code"] == "outside_perimeter"
    same = await member.put("/api/v1/verification/address", {**move, "address_line1": "12, R. des Tilleuls"})
    assert same.status_code == 400 and same.json()["code"] == "same_address"
    r = await member.put("/api/v1/verification/address", {**move, "community_id": w.community})
    assert r.status_code == 200, r.text
    # Les Tilleuls (whole commune) waits for the letter; Centre-Bourg (rue des Tilleuls only) ends.
    assert [(m["community_id"], m["status"]) for m in r.json()["memberships"]] == [(w.community, "pending")]
    assert r.json()["address_line1"] == "5 rue Neuve"
    assert (await member.get(f"/api/v1/communities/{w.community}")).status_code == 403
    moderator = await api.as_user("moderation@test.vigie.fr")
    codes, reader = await print_codes(moderator)
    assert len(codes) == 2  # the world's pending resident, and the move
    assert "5 RUE NEUVE" in reader.pages[-1].extract_text()
    ok = await member.post("/api/v1/verification/redeem", {"code": codes[-1]})
    assert ok.status_code == 200, ok.text
    assert [(m["community_id"], m["status"]) for m in ok.json()["memberships"]] == [(w.community, "active")]
    # Moving to another commune: the letter is for a community there, nothing stays active here.
    far = await member.put("/api/v1/verification/address", {"address_line1": "1 place du Marché", "postal_code": "45200",
                                                             "city": "Montval", "community_id": w.foreign})
    assert far.status_code == 200, far.text
    assert [(m["community_id"], m["status"]) for m in far.json()["memberships"]] == [(w.foreign, "pending")]
    assert await User.select(User.address_verified).where(User.id == w.users["member"]).first() == {
        "address_verified": False}


async def test_moving_back_and_forth_still_counts_every_letter(api, fx_password_hash):
    w = await build_world(fx_password_hash)
    member = await api.as_user(w.email("member"))
    there = {"address_line1": "1 place du Marché", "postal_code": "45200", "city": "Montval", "community_id": w.foreign}
    back = {"address_line1": "3 rue Neuve", "postal_code": "45100", "city": "Bellerive-sur-Loire",
            "community_id": w.community}
    for move in (there, back, there):  # 3 letters in 30 days, each move ending the other commune's membership
        r = await member.put("/api/v1/verification/address", move)
        assert r.status_code == 200, r.text
    assert await ActivationLetter.count().where(ActivationLetter.user == w.users["member"]) == 3
    over = await member.put("/api/v1/verification/address", back)
    assert over.status_code == 429 and over.json()["code"] == "letters_per_month"
    me = (await member.get("/api/v1/auth/me")).json()
    assert me["address_line1"] == "1 place du Marché"  # nothing changed
    assert [(m["community_id"], m["status"]) for m in me["memberships"]] == [(w.foreign, "pending")]


async def test_sign_ups_at_once_at_one_address_still_meet_the_limit(api, place, fx_settings):
    """Checked and created in one transaction, serialised per account and address (BEGIN IMMEDIATE on
    SQLite, advisory locks on PostgreSQL): six sign-ups sent together make at most the limit of letters."""
    import asyncio

    tilleuls, _ = place
    clients = [api() for _ in range(6)]
    answers = await asyncio.gather(*(c.post("/api/v1/auth/signup", signup_body(tilleuls, email=f"p{i}@example.fr"))
                                     for i, c in enumerate(clients)))
    assert sorted(a.status_code for a in answers) == [201] * fx_settings.letters_pending_per_address + [429] * (
        6 - fx_settings.letters_pending_per_address)
    assert await ActivationLetter.count() == fx_settings.letters_pending_per_address
