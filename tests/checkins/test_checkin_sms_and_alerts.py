"""Answering "OK" to the SMS reminder (through the alerts' inbound SMS webhook), and linking a
"pas de nouvelles" alert to a check-in."""

from __future__ import annotations

import pytest

from backend.alerts.tables import Alert
from backend.auth.tables import User
from backend.checkins.actions import is_ok_reply
from backend.checkins.service import REMINDER_KIND
from backend.checkins.tables import CheckinRound
from tests.fixtures.channels import SMS_SECRET
from tests.alerts.helpers import idem
from tests.fixtures.sms_emulator import inbound_request
from tests.checkins.helpers import (
    local, move_clock_to, remind_then_alert, scene, set_up, settled_event, tick, tomorrow_at,
)


async def text_vigie(api, sender: str, text: str, message_id: str | None = None):
    body, headers = inbound_request(SMS_SECRET, from_=sender, text=text, message_id=message_id)
    r = await api("provider").http.post("/api/v1/sms/inbound", content=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("text", ["OK", "ok", "Ok merci !", "ÔK.", "ok merci beaucoup", "Okay", "oké, ça va bien"])
def test_ok_replies_are_recognised(text):
    assert is_ok_reply(text)


@pytest.mark.parametrize("text", ["", "okapi", "pas ok", "ok une voiture tourne dans la rue", "STOP", "oui"])
def test_other_texts_are_not_ok_replies(text):
    assert not is_ok_reply(text)


async def test_ok_by_sms_records_the_check_in_instead_of_an_alert(api, fx_app, fx_settings, fx_password_hash,
                                                                  fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    person, _, checkin_id = await set_up(api, s)
    move_clock_to(local(day, "10:00"))
    await tick(fx_app)
    reminder = await fx_sms.wait_for_async(1, timeout=15)
    assert reminder[0].to == s.phone("person") and "Répondez OK" in reminder[0].text
    await settled_event(checkin_id, "reminded", REMINDER_KIND)
    fx_sms.clear()

    answer = await text_vigie(api, s.phone("person"), "Ok merci !", message_id="in_ok_1")
    assert answer == {"status": "checked_in"}
    confirmation = await fx_sms.wait_for_async(1, timeout=15)
    assert confirmation[0].to == s.phone("person") and "c'est noté" in confirmation[0].text
    assert await Alert.count() == 0
    view = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}")).json()
    assert view["current"]["state"] == "checked_in" and view["open_rounds"] == []
    history = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}/history")).json()["items"]
    assert history[0]["type"] == "checked_in" and history[0]["source"] == "sms"
    # The provider retries the webhook: nothing new, no alert.
    assert (await text_vigie(api, s.phone("person"), "Ok merci !", message_id="in_ok_1")) == {"status": "checked_in"}
    assert await Alert.count() == 0
    move_clock_to(local(day, "11:30"))
    assert (await tick(fx_app))["escalated"] == 0


async def test_ok_by_sms_after_the_alert_tells_the_watchers_all_is_well(api, fx_app, fx_settings, fx_password_hash,
                                                                        fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    _, _, checkin_id = await set_up(api, s)
    await remind_then_alert(fx_app, checkin_id, day)
    fx_sms.clear()
    assert (await text_vigie(api, s.phone("person"), "OK"))["status"] == "checked_in"
    texts = await fx_sms.wait_for_async(3, timeout=15)
    by_phone = {t.to: t.text for t in texts}
    assert "Vos voisins sont prévenus" in by_phone[s.phone("person")]
    assert "tout va bien pour Odette Martin" in by_phone[s.phone("w1")] and s.phone("w2") in by_phone
    assert s.phone("w3") not in by_phone  # never accepted
    assert (await CheckinRound.select(CheckinRound.state).first())["state"] == "resolved"


async def test_ok_from_someone_without_a_check_in_is_not_an_alert(api, fx_app, fx_settings, fx_password_hash,
                                                                   fx_push, fx_sms):
    # A bare « OK » says nothing about a situation: it is answered, never sent to the neighbourhood.
    s = await scene(fx_settings, fx_password_hash, fx_push)
    answer = await text_vigie(api, s.phone("neighbour"), "OK")
    assert answer["status"] == "not_an_alert" and await Alert.count() == 0
    reply = (await fx_sms.wait_for_async(1, timeout=10))[0]
    assert reply.to == s.phone("neighbour") and "rien n'a été envoyé" in reply.text


async def test_watchers_link_a_no_news_alert_to_the_check_in(api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    person, watchers, checkin_id = await set_up(api, s)
    neighbour = await api.as_user(s.email("neighbour"))
    no_news = await neighbour.post(f"/api/v1/communities/{s.community}/alerts", {
        "category": "no_news", "title": "Volets fermés chez Odette", "body": "Pas vue depuis hier."}, headers=idem())
    other = await neighbour.post(f"/api/v1/communities/{s.community}/alerts", {
        "category": "suspicious_vehicle", "title": "Camionnette", "body": "Rue des Lilas."}, headers=idem())
    foreign = await (await api.as_user(s.email("foreign"))).post(
        f"/api/v1/communities/{s.other_community}/alerts",
        {"category": "no_news", "title": "Pas de nouvelles", "body": "Ailleurs."}, headers=idem())
    url = f"/api/v1/solidarity/checkins/{checkin_id}/link-alert"

    r = await watchers["w1"].post(url, {"alert_id": no_news.json()["id"]})
    assert r.status_code == 200, r.text
    event = r.json()
    assert event["type"] == "alert_linked" and event["alert_id"] == no_news.json()["id"]
    assert event["note"] == "Volets fermés chez Odette" and event["actor"]["name"] == "Bruno Roux"
    again = await watchers["w1"].post(url, {"alert_id": no_news.json()["id"]})
    assert again.json()["id"] == event["id"]  # linked once
    referent = await api.as_user(s.email("referent"))
    assert (await referent.post(url, {"alert_id": no_news.json()["id"]})).status_code == 200
    wrong = await watchers["w1"].post(url, {"alert_id": other.json()["id"]})
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_alert_category"
    assert (await watchers["w1"].post(url, {"alert_id": foreign.json()["id"]})).status_code == 404
    assert (await person.post(url, {"alert_id": no_news.json()["id"]})).status_code == 403
    assert (await neighbour.post(url, {"alert_id": no_news.json()["id"]})).status_code == 404
    history = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}/history")).json()["items"]
    linked = [h for h in history if h["type"] == "alert_linked"]
    assert len(linked) == 1 and linked[0]["alert_id"] == no_news.json()["id"]
    assert linked[0]["label"] == "Alerte « pas de nouvelles » liée"
    # History pages.
    first = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}/history?limit=3")).json()
    assert len(first["items"]) == 3 and first["next_before"] == first["items"][-1]["id"]
    rest = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}/history?before={first['next_before']}")).json()
    assert rest["next_before"] is None and len(first["items"]) + len(rest["items"]) == len(history)


async def test_ok_by_sms_is_answered_in_the_persons_language(api, fx_app, fx_settings, fx_password_hash,
                                                             fx_push, fx_sms):
    """Issue 14: Odette chose English: her « OK » is recorded and answered in English (the word stays OK)."""
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    _, _, checkin_id = await set_up(api, s)
    await User.update({User.locale: "en"}).where(User.id == s.ids["person"])
    move_clock_to(local(day, "10:00"))
    await tick(fx_app)
    await fx_sms.wait_for_async(1, timeout=15)
    await settled_event(checkin_id, "reminded", REMINDER_KIND)
    fx_sms.clear()
    assert (await text_vigie(api, s.phone("person"), "OK", message_id="in_ok_en"))["status"] == "checked_in"
    confirmation = await fx_sms.wait_for_async(1, timeout=15)
    assert confirmation[0].to == s.phone("person")
    assert confirmation[0].text == "Vigie: thank you, noted. Have a good day!", confirmation[0].text
