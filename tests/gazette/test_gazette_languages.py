"""Gazette notifications in each member's language (issue 14 item 4): a driver who chose English
is told of a seat request and of a comment in English (push and e-mail), the French passenger
reads the answer in French."""

from __future__ import annotations

from backend.auth.tables import User
from tests.alerts.helpers import wait_settled
from tests.gazette.helpers import new_post


async def test_a_driver_reads_the_seat_request_in_english_and_the_passenger_the_answer_in_french(
        people, world, fx_app, fx_settings, fx_push, fx_mail):
    await User.update({User.locale: "en"}).where(User.id == world.users["member"])
    driver, passenger = await people("member"), await people("referent")
    ride = await new_post(driver, world.community, "carpool", seats=2)
    fx_push.clear()
    fx_mail.clear()
    r = await passenger.post(f"/api/v1/gazette/posts/{ride['id']}/ride-requests", {"message": "Merci !"})
    assert r.status_code in (200, 201), r.text
    await wait_settled(r.json()["id"], kind="gazette_ride_ask")
    [push] = await fx_push.wait_for_async(1, timeout=20)
    assert push.subscription_id == fx_push.subscription_id(world.subs["member"])
    assert push.json["title"] == "Carpool: a seat request"
    assert " asks for a seat: Les Tilleuls → " in push.json["body"] and ", leaving on " in push.json["body"]
    assert "“Merci !”" in push.json["body"]
    [mail] = await fx_mail.wait_for_async(1, timeout=20)
    assert mail.message["Subject"] == "[Vigie] Carpool: a seat request"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Hello ") and "Accept or decline the request in the Gazette." in text
    assert "Open in Vigie: " in text

    fx_push.clear()
    fx_mail.clear()
    assert (await driver.post(f"/api/v1/gazette/ride-requests/{r.json()['id']}/accept")).status_code == 200
    await wait_settled(r.json()["id"], kind="gazette_ride_answer")
    [push] = await fx_push.wait_for_async(1, timeout=20)
    assert push.subscription_id == fx_push.subscription_id(world.subs["referent"])
    assert push.json["title"] == "Covoiturage : place acceptée"
    assert push.json["body"].startswith("Votre place est réservée : Les Tilleuls → ") and ", départ le " in push.json["body"]
