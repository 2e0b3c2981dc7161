"""Conversations and messages show the other people's name and photo, never their phone, e-mail
or house number, whatever their directory settings (their directory card shows what they allow)."""

from __future__ import annotations

import pytest

from backend.auth.tables import User
from tests.builders import World
from tests.messages.helpers import neighbourhood, open_conversation, say


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash)


async def private_values(user_id: int) -> list[str]:
    row = await User.select(User.email, User.phone, User.address_line1).where(User.id == user_id).first()
    return [row["email"], row["phone"], row["address_line1"]]


async def test_conversations_and_messages_never_carry_contact_data(api, world):
    alice = await api.as_user(world.email("member"))  # « personne » everywhere (the defaults)
    voisin = await api.as_user("voisin0@test.vigie.fr")  # shows everything to the neighbourhood
    shared = await voisin.patch("/api/v1/directory/me", {"phone_visibility": "community",
                                                         "email_visibility": "community",
                                                         "address_visibility": "community"})
    assert shared.status_code == 200, shared.text
    conv = await open_conversation(alice, world.community, world.users["voisin0"])
    await say(alice, conv["id"], "Bonjour !")
    await say(voisin, conv["id"], "Bonjour Alice.")

    for viewer, other in ((alice, world.users["voisin0"]), (voisin, world.users["member"])):
        answers = [await viewer.get("/api/v1/messages/conversations"),
                   await viewer.get(f"/api/v1/messages/conversations/{conv['id']}"),
                   await viewer.get(f"/api/v1/messages/conversations/{conv['id']}/messages")]
        assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
        assert {p["id"] for p in answers[1].json()["participants"]} == {other}
        for value in await private_values(other):
            assert all(value not in r.text for r in answers), value

    # The directory card: present where allowed, absent under « personne ».
    card = (await alice.get(f"/api/v1/communities/{world.community}/directory/{world.users['voisin0']}")).json()
    assert card["contacts"]["phone"] == (await private_values(world.users["voisin0"]))[1]
    card = (await voisin.get(f"/api/v1/communities/{world.community}/directory/{world.users['member']}")).json()
    assert card["contacts"]["phone"] is None and card["address"] is None
