"""Comments and carpools show who wrote or asks (name) and never their phone, e-mail or house
number, whatever the person's directory settings: what a person shares is on their directory
card, and only there, as their settings allow."""

from __future__ import annotations

from backend.auth.tables import User
from tests.gazette.helpers import new_post


async def private_values(user_id: int) -> list[str]:
    """E-mail, phone, address (with the house number) of the account."""
    row = await User.select(User.email, User.phone, User.address_line1).where(User.id == user_id).first()
    return [row["email"], row["phone"], row["address_line1"]]


async def test_comments_and_ride_requests_never_carry_contact_data(people, world, fx_app):
    driver, referent = await people("member"), await people("referent")
    # The referent shows everything to the neighbourhood; the driver keeps « personne » everywhere.
    shared = await referent.patch("/api/v1/directory/me", {"phone_visibility": "community",
                                                            "email_visibility": "community",
                                                            "address_visibility": "community"})
    assert shared.status_code == 200, shared.text
    ride = await new_post(driver, world.community, "carpool", seats=2)
    asked = await referent.post(f"/api/v1/gazette/posts/{ride['id']}/ride-requests", {"message": "Une place ?"})
    assert asked.status_code == 201, asked.text
    for who in (driver, referent):
        r = await who.post(f"/api/v1/gazette/posts/{ride['id']}/comments", {"body": "On part à 9 h."})
        assert r.status_code == 201, r.text

    seen_by_driver = await driver.get(f"/api/v1/gazette/posts/{ride['id']}")
    seen_by_referent = await referent.get(f"/api/v1/gazette/posts/{ride['id']}")
    listed = await referent.get(f"/api/v1/communities/{world.community}/gazette")
    assert seen_by_driver.json()["carpool"]["requests"][0]["user"] == {"id": world.users["referent"],
                                                                        "name": "Referent Test"}
    assert {c["author"]["name"] for c in seen_by_driver.json()["comments"]} == {"Member Test", "Referent Test"}
    for value in await private_values(world.users["referent"]):
        assert value not in seen_by_driver.text and value not in asked.text
    for value in await private_values(world.users["member"]):
        assert value not in seen_by_referent.text and value not in listed.text

    # Where the person allows it, the directory card (linked from the name) has it; « personne » hides it.
    card = (await driver.get(f"/api/v1/communities/{world.community}/directory/{world.users['referent']}")).json()
    phone, address = (await private_values(world.users["referent"]))[1:]
    assert card["contacts"]["phone"] == phone and card["address"].startswith(address)
    card = (await referent.get(f"/api/v1/communities/{world.community}/directory/{world.users['member']}")).json()
    assert card["contacts"]["phone"] is None and card["contacts"]["email"] is None and card["address"] is None
