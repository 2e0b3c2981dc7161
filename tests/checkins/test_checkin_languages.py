"""Check-in notifications in each member's language (issue 14 item 4): the reminder to a person
who chose English and the missed check-in alert to an English watcher are in English, the other
watcher's in French, on the real push service and SMS provider."""

from __future__ import annotations

from datetime import timedelta

from backend.auth.tables import User
from backend.checkins.service import MISSED_KIND, REMINDER_KIND
from backend.checkins.tables import CheckinEvent
from tests.alerts.helpers import wait_settled
from tests.checkins.helpers import NOTE, local, move_clock_to, scene, set_up, settled_event, tick, tomorrow_at


async def test_the_reminder_and_the_alert_reach_each_person_in_their_language(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    await User.update({User.locale: "en"}).where(User.id.is_in([s.ids["person"], s.ids["w1"]]))
    person, watchers, checkin_id = await set_up(api, s)
    for event in await CheckinEvent.select(CheckinEvent.id).where(CheckinEvent.type == "watcher_invited"):
        await wait_settled(event["id"], kind="checkin_invite")
    fx_push.clear()
    fx_sms.clear()

    move_clock_to(local(day, "10:00") + timedelta(seconds=5))
    assert (await tick(fx_app))["reminded"] == 1
    [text] = await fx_sms.wait_for_async(1, timeout=15)
    assert text.to == s.phone("person") and text.text.startswith("Vigie: hello Odette, are you OK? Answer OK")
    [push] = await fx_push.wait_for_async(1, timeout=15)
    assert push.json["title"] == "Are you OK?" and "10:00 check-in" in push.json["body"]
    await settled_event(checkin_id, "reminded", REMINDER_KIND)

    fx_push.clear()
    fx_sms.clear()
    move_clock_to(local(day, "11:01"))
    assert (await tick(fx_app))["escalated"] == 1
    texts = await fx_sms.wait_for_async(2, timeout=15)
    pushes = await fx_push.wait_for_async(2, timeout=15)
    await settled_event(checkin_id, "escalated", MISSED_KIND)
    sms = {t.to: t.text for t in texts}
    assert sms[s.phone("w1")].startswith("VIGIE check-in: no news from Odette Martin (10:00).")
    assert sms[s.phone("w2")].startswith("VIGIE veille : pas de nouvelles de Odette Martin")
    title = {p.subscription_id: p.json for p in pushes}
    english = title[fx_push.subscription_id(s.subs["w1"])]
    assert english["title"] == "No news from Odette Martin" and "did not answer their 10:00 check-in" in english["body"]
    assert "Address: 3 allée des Lilas, 45100 Bellerive-sur-Loire" in english["body"] and NOTE in english["body"]
    assert title[fx_push.subscription_id(s.subs["w2"])]["title"] == "Pas de nouvelles de Odette Martin"


async def test_the_invitation_to_watch_reaches_each_neighbour_in_their_language(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    await User.update({User.locale: "en"}).where(User.id == s.ids["w1"])
    await set_up(api, s, accept=())
    for event in await CheckinEvent.select(CheckinEvent.id).where(CheckinEvent.type == "watcher_invited"):
        await wait_settled(event["id"], kind="checkin_invite")
    pushes = {p.subscription_id: p.json for p in await fx_push.wait_for_async(3, timeout=15)}
    english = pushes[fx_push.subscription_id(s.subs["w1"])]
    assert english["title"] == "Watch over Odette Martin?"
    assert english["body"] == ("Odette Martin asks you to join their check-in circle: news every day at 10:00. "
                               "Accept or decline in Vigie.")
    assert pushes[fx_push.subscription_id(s.subs["w3"])]["title"] == "Veiller sur Odette Martin ?"
    mails = {m.rcpt_tos[0]: m.message for m in await fx_mail.wait_for_async(3, timeout=15)}
    mine = mails[s.email("w1")]
    assert mine["Subject"] == "[Vigie] Watch over Odette Martin?"
    text = mine.get_body(preferencelist=("plain",)).get_content()
    assert "Without news, the neighbours watching are told" in text and "Accept or decline in Vigie: " in text
    assert mails[s.email("w3")]["Subject"] == "[Vigie] Veiller sur Odette Martin ?"
