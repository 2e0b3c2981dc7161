"""Events ("je viens", "peut-être") with counts, and carpools: seats asked, accepted or refused
by the driver, a full car refusing newcomers; the driver and passengers notified on the real
push service and SMTP catcher."""

from __future__ import annotations

from datetime import timedelta

from backend.lib import clock
from tests.alerts.helpers import wait_settled
from tests.builders import add_members
from tests.conftest import Api
from tests.gazette.helpers import new_post, sample


async def neighbours(fx_app, fx_password_hash, world, count: int) -> list[Api]:
    """`count` more active members of the world's community, signed in."""
    clients = []
    for i, _ in enumerate(await add_members(fx_password_hash, world.community, count)):
        client = Api(fx_app)
        await client.login(f"voisin{i}@test.vigie.fr")
        clients.append(client)
    return clients


async def test_members_answer_an_event_and_each_sees_the_counts_and_their_own_answer(
        people, world, fx_app, fx_password_hash):
    member, referent = await people("member"), await people("referent")
    [neighbour] = await neighbours(fx_app, fx_password_hash, world, 1)
    event = await new_post(member, world.community, "event", ends_at=None)
    url = f"/api/v1/gazette/posts/{event['id']}/rsvp"

    assert (await referent.post(url, {"answer": "going"})).json() == {"going": 1, "maybe": 0, "my_answer": "going"}
    assert (await neighbour.post(url, {"answer": "maybe"})).json() == {"going": 1, "maybe": 1, "my_answer": "maybe"}
    assert (await member.post(url, {"answer": "going"})).json() == {"going": 2, "maybe": 1, "my_answer": "going"}
    assert (await referent.post(url, {"answer": "none"})).json() == {"going": 1, "maybe": 1, "my_answer": "none"}
    assert (await neighbour.post(url, {"answer": "going"})).json() == {"going": 2, "maybe": 0, "my_answer": "going"}

    listed = (await referent.get(f"/api/v1/communities/{world.community}/gazette")).json()["items"][0]["event"]
    assert (listed["going"], listed["maybe"], listed["my_answer"]) == (2, 0, "none")
    opened = (await neighbour.get(f"/api/v1/gazette/posts/{event['id']}")).json()["event"]
    assert (opened["going"], opened["my_answer"]) == (2, "going")
    await neighbour.aclose()

    r = await referent.post(url, {"answer": "yes"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_answer"
    assert (await (await people("other_member")).post(url, {"answer": "going"})).status_code == 403
    r = await (await people("staff")).post(url, {"answer": "going"})  # the mairie reads, members answer
    assert r.status_code == 403 and r.json()["code"] == "not_member"
    news = await new_post(member, world.community, "news")
    r = await referent.post(f"/api/v1/gazette/posts/{news['id']}/rsvp", {"answer": "going"})
    assert r.status_code == 400 and r.json()["code"] == "not_an_event"
    clock.advance(timedelta(days=4))
    r = await referent.post(url, {"answer": "maybe"})
    assert r.status_code == 409 and r.json()["code"] == "event_over"


async def test_carpool_requests_are_accepted_until_the_car_is_full_and_everyone_is_told(
        people, world, fx_app, fx_password_hash, fx_push, fx_mail):
    driver, referent = await people("member"), await people("referent")
    first, second = await neighbours(fx_app, fx_password_hash, world, 2)
    ride = await new_post(driver, world.community, "carpool", seats=1)
    ask = f"/api/v1/gazette/posts/{ride['id']}/ride-requests"
    driver_device = fx_push.subscription_id(world.subs["member"])

    r = await referent.post(ask, {"message": "Je peux partager l'essence."})
    assert r.status_code == 201, r.text
    asked = r.json()
    assert (asked["status"], asked["user"]["name"], asked["message"]) == ("pending", "Referent Test",
                                                                         "Je peux partager l'essence.")
    # The driver hears of it: a push on their device and an e-mail.
    [push] = await fx_push.wait_for_async(1, timeout=20)
    assert push.subscription_id == driver_device
    assert push.json["event"] == "gazette_ride_ask" and push.json["title"] == "Covoiturage : une demande de place"
    assert push.json["url"] == f"/#/gazette/{ride['id']}" and "Referent Test demande une place" in push.json["body"]
    [mail] = await fx_mail.wait_for_async(1, timeout=20)
    assert mail.rcpt_tos == ("member@test.vigie.fr",)
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "Les Tilleuls → Orléans, place du Martroi" in text and f"/#/gazette/{ride['id']}" in text
    rows = await wait_settled(asked["id"], kind="gazette_ride_ask")
    assert sorted((r["user"], r["channel"], r["state"]) for r in rows) == [
        (world.users["member"], "email", "sent"), (world.users["member"], "push", "sent")]

    second_ask = (await second.post(ask, {})).json()
    r = await referent.post(ask, {})
    assert r.status_code == 409 and r.json()["code"] == "already_requested"
    r = await driver.post(ask, {})
    assert r.status_code == 400 and r.json()["code"] == "own_carpool"
    assert (await (await people("other_member")).post(ask, {})).status_code == 403

    # Only the driver sees the requests, and answers them.
    seen = (await driver.get(f"/api/v1/gazette/posts/{ride['id']}")).json()["carpool"]
    assert [(q["user"]["name"], q["status"]) for q in seen["requests"]] == [("Referent Test", "pending"),
                                                                            ("Voisin1 Test", "pending")]
    mine = (await referent.get(f"/api/v1/gazette/posts/{ride['id']}")).json()["carpool"]
    assert mine["requests"] is None and mine["my_request"] == {"id": asked["id"], "status": "pending"}
    r = await referent.post(f"/api/v1/gazette/ride-requests/{asked['id']}/accept")
    assert r.status_code == 403 and r.json()["code"] == "not_author"

    fx_push.clear()
    r = await driver.post(f"/api/v1/gazette/ride-requests/{asked['id']}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["answered_at"]
    [push] = await fx_push.wait_for_async(1, timeout=20)
    assert push.subscription_id == fx_push.subscription_id(world.subs["referent"])
    assert push.json["title"] == "Covoiturage : place acceptée" and push.json["event"] == "gazette_ride_answer"
    full = (await referent.get(f"/api/v1/gazette/posts/{ride['id']}")).json()["carpool"]
    assert (full["seats_taken"], full["seats_left"], full["full"]) == (1, 0, True)
    assert full["my_request"]["status"] == "accepted"

    # A full car: new requests are refused, and a pending one cannot be accepted.
    r = await first.post(ask, {})
    assert r.status_code == 409 and r.json()["code"] == "ride_full" and r.json()["detail"] == "Ce covoiturage est complet."
    r = await driver.post(f"/api/v1/gazette/ride-requests/{second_ask['id']}/accept")
    assert r.status_code == 409 and r.json()["code"] == "ride_full"
    r = await driver.post(f"/api/v1/gazette/ride-requests/{asked['id']}/refuse")
    assert r.status_code == 409 and r.json()["code"] == "already_answered"

    # The passenger withdraws: the seat is free again; the driver refuses the other request.
    assert (await second.delete(f"/api/v1/gazette/ride-requests/{asked['id']}")).status_code == 403
    assert (await referent.delete(f"/api/v1/gazette/ride-requests/{asked['id']}")).status_code == 204
    after = (await driver.get(f"/api/v1/gazette/posts/{ride['id']}")).json()["carpool"]
    assert (after["seats_left"], [q["user"]["name"] for q in after["requests"]]) == (1, ["Voisin1 Test"])
    fx_mail.clear()
    r = await driver.post(f"/api/v1/gazette/ride-requests/{second_ask['id']}/refuse")
    assert r.status_code == 200 and r.json()["status"] == "refused"
    [mail] = await fx_mail.wait_for_async(1, timeout=20)
    assert mail.rcpt_tos == ("voisin1@test.vigie.fr",) and mail.message["Subject"] == "[Vigie] Covoiturage : demande refusée"
    rows = await wait_settled(second_ask["id"], kind="gazette_ride_answer")
    assert sorted((r["channel"], r["state"], r["reason"]) for r in rows) == [
        ("email", "sent", ""), ("push", "skipped", "aucun appareil abonné")]
    assert (await second.post(ask, {})).json()["code"] == "already_requested"  # a refusal stands

    clock.advance(timedelta(days=3))
    r = await first.post(ask, {})
    assert r.status_code == 409 and r.json()["code"] == "ride_departed"
    for client in (first, second):
        await client.aclose()


async def test_a_ride_request_is_only_for_carpools(people, world):
    member, referent = await people("member"), await people("referent")
    news = await new_post(member, world.community, "news")
    r = await referent.post(f"/api/v1/gazette/posts/{news['id']}/ride-requests", {})
    assert r.status_code == 400 and r.json()["code"] == "not_a_carpool"
    r = await member.post(f"/api/v1/communities/{world.community}/gazette", sample("carpool", seats=None))
    assert r.status_code == 400 and r.json()["code"] == "invalid_seats"
