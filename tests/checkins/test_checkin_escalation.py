"""The whole check-in story on a controllable clock, with the real push service and SMS provider:
reminder to the person → alert to the watchers by push and SMS → "je passe voir" → "tout va bien"."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from backend.lib import clock
from backend.checkins.jobs import drive_checkins
from backend.checkins.escalation import run_due_checkins
from backend.checkins.service import MISSED_KIND, REMINDER_KIND
from backend.checkins.tables import CheckinEvent, CheckinRound
from backend.worker import periodic_tasks
from tests.alerts.helpers import wait_settled
from tests.checkins.helpers import (
    NOTE, local, move_clock_to, quiet_all_day, remind_then_alert, scene, set_up, settled_event, tick, tomorrow_at,
    totals,
)

async def test_missed_check_in_reminds_then_alerts_watchers_by_push_and_sms_then_someone_goes(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    await quiet_all_day(s.ids["w2"])  # quiet hours and SMS off: a missed check-in still gets through
    person, watchers, checkin_id = await set_up(api, s)
    await fx_push.wait_for_async(2, timeout=15)  # the invitations (Chantal's waits for her quiet hours)
    for event in await CheckinEvent.select(CheckinEvent.id).where(CheckinEvent.type == "watcher_invited"):
        await wait_settled(event["id"], kind="checkin_invite")
    fx_push.clear()
    fx_sms.clear()

    # 09:00: nothing due yet.
    move_clock_to(local(day, "09:00"))
    assert await tick(fx_app) == {"reminded": 0, "escalated": 0}
    view = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}")).json()
    assert view["status"] == "active" and view["current"]["state"] == "due"
    assert datetime.fromisoformat(view["next_due_at"]) == local(day, "10:00")

    # 10:00: the reminder goes to Odette, by push and by SMS.
    move_clock_to(local(day, "10:00") + timedelta(seconds=5))
    assert await tick(fx_app) == {"reminded": 1, "escalated": 0}
    assert await tick(fx_app) == {"reminded": 1, "escalated": 0}  # idempotent
    texts = await fx_sms.wait_for_async(1, timeout=15)
    assert [t.to for t in texts] == [s.phone("person")] and "Répondez OK" in texts[0].text
    pushes = await fx_push.wait_for_async(1, timeout=15)
    assert [fx_push.subscription_id(s.subs["person"])] == [p.subscription_id for p in pushes]
    assert pushes[0].json["event"] == "checkin_reminder" and pushes[0].json["url"] == f"/#/veille/{checkin_id}"
    await settled_event(checkin_id, "reminded", REMINDER_KIND)
    view = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}")).json()
    assert view["current"]["state"] == "reminded" and view["open_rounds"][0]["escalates_at"]

    # 10:30: still within the grace period (60 min).
    move_clock_to(local(day, "10:30"))
    assert (await tick(fx_app))["escalated"] == 0

    # 11:01: the accepted watchers are alerted, by push and SMS, with the address and the note.
    fx_push.clear()
    fx_sms.clear()
    move_clock_to(local(day, "11:01"))
    assert await tick(fx_app) == {"reminded": 1, "escalated": 1}
    texts = await fx_sms.wait_for_async(2, timeout=15)
    pushes = await fx_push.wait_for_async(2, timeout=15)
    await settled_event(checkin_id, "escalated", MISSED_KIND)
    assert sorted(t.to for t in texts) == sorted([s.phone("w1"), s.phone("w2")])
    for t in texts:
        assert "Odette Martin" in t.text and "3 allee des Lilas" in t.text.replace("é", "e") and "Roux" in t.text
    assert {p.subscription_id for p in pushes} == {fx_push.subscription_id(s.subs[w]) for w in ("w1", "w2")}
    for p in pushes:
        assert p.json["event"] == "checkin_missed" and p.json["urgent"] is True and p.urgency == "high"
        assert p.json["title"] == "Pas de nouvelles de Odette Martin" and NOTE in p.json["body"]
        assert "3 allée des Lilas, 45100 Bellerive-sur-Loire" in p.json["body"]
    # Denis (w3) never accepted: he gets neither the address nor the note; nor does anyone else.
    assert not fx_push.for_subscription(s.subs["w3"]) and s.phone("w3") not in {t.to for t in fx_sms.messages}
    assert not fx_push.for_subscription(s.subs["neighbour"]) and not fx_push.for_subscription(s.subs["person"])

    # Bruno says "je passe voir": Chantal is told (push and SMS), Bruno is not.
    fx_push.clear()
    fx_sms.clear()
    r = await watchers["w1"].post(f"/api/v1/solidarity/checkins/{checkin_id}/going")
    assert r.status_code == 200, r.text
    going = r.json()["round"]
    assert going["state"] == "someone_going" and going["going"]["name"] == "Bruno Roux" and r.json()["recorded"]
    again = await watchers["w1"].post(f"/api/v1/solidarity/checkins/{checkin_id}/going")
    assert again.status_code == 200 and again.json()["recorded"] is False
    texts = await fx_sms.wait_for_async(1, timeout=15)
    pushes = await fx_push.wait_for_async(1, timeout=15)
    assert [t.to for t in texts] == [s.phone("w2")] and "Bruno Roux passe voir" in texts[0].text
    assert [p.subscription_id for p in pushes] == [fx_push.subscription_id(s.subs["w2"])]
    assert pushes[0].json["event"] == "checkin_going"
    going_event = await settled_event(checkin_id, "someone_going", "checkin_going")
    view = (await watchers["w2"].get(f"/api/v1/solidarity/checkins/{checkin_id}")).json()
    assert view["open_rounds"][0]["going"]["name"] == "Bruno Roux" and view["my_role"] == "watcher"

    # Bruno finds her well: "tout va bien", with a note; Chantal hears it.
    fx_push.clear()
    missing_note = await watchers["w1"].post(f"/api/v1/solidarity/checkins/{checkin_id}/resolve", {"note": ""})
    assert missing_note.status_code == 400 and missing_note.json()["code"] == "note_required"
    r = await watchers["w1"].post(f"/api/v1/solidarity/checkins/{checkin_id}/resolve",
                                  {"note": "Elle était au jardin, tout va bien."})
    assert r.status_code == 200 and r.json()["round"]["state"] == "resolved"
    assert r.json()["round"]["resolved_by"]["name"] == "Bruno Roux"
    pushes = await fx_push.wait_for_async(1, timeout=15)
    assert pushes[0].json["title"] == "Tout va bien pour Odette Martin" and "au jardin" in pushes[0].json["body"]

    # The history keeps every step, with what was delivered.
    history = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}/history")).json()["items"]
    types = [e["type"] for e in reversed(history)]
    assert types == ["created", "watcher_invited", "watcher_invited", "watcher_invited", "watcher_accepted",
                     "watcher_accepted", "reminded", "escalated", "someone_going", "resolved"]
    by_type = {e["type"]: e for e in history}
    escalated = by_type["escalated"]["delivery"]
    assert escalated["push"]["sent"] == 2 and escalated["sms"]["sent"] == 2
    assert by_type["reminded"]["delivery"]["sms"]["sent"] == 1 and by_type["reminded"]["actor"] is None
    assert by_type["someone_going"]["actor"]["name"] == "Bruno Roux" and by_type["someone_going"]["id"] == going_event
    assert by_type["resolved"]["note"] == "Elle était au jardin, tout va bien."
    # Nothing more happens that day.
    move_clock_to(local(day, "15:00"))
    assert await tick(fx_app) == {"reminded": 1, "escalated": 1}


async def test_checking_in_before_or_after_the_reminder_keeps_the_watchers_quiet(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    person, _, checkin_id = await set_up(api, s)
    # Day 1: Odette presses the button at 08:30 — no reminder at 10:00.
    move_clock_to(local(day, "08:30"))
    r = await person.post(f"/api/v1/solidarity/checkins/{checkin_id}/check-in")
    assert r.status_code == 200 and r.json()["round"]["state"] == "checked_in" and r.json()["recorded"]
    assert (await person.post(f"/api/v1/solidarity/checkins/{checkin_id}/check-in")).json()["recorded"] is False
    move_clock_to(local(day, "10:01"))
    assert await tick(fx_app) == {"reminded": 0, "escalated": 0}
    # Day 2: reminded at 10:00, she answers at 10:20 — nobody is alerted at 11:00.
    next_day = day + timedelta(days=1)
    move_clock_to(local(next_day, "10:00"))
    assert (await tick(fx_app))["reminded"] == 1
    await settled_event(checkin_id, "reminded", REMINDER_KIND)
    move_clock_to(local(next_day, "10:20"))
    r = await person.post(f"/api/v1/solidarity/checkins/{checkin_id}/check-in")
    assert r.json()["round"]["state"] == "checked_in" and r.json()["round"]["period_date"] == next_day.isoformat()
    move_clock_to(local(next_day, "11:30"))
    assert await tick(fx_app) == {"reminded": 1, "escalated": 0}
    assert await CheckinRound.count().where(CheckinRound.state == "escalated") == 0
    # Watchers cannot press the person's button.
    watcher = await api.as_user(s.email("w1"))
    refused = await watcher.post(f"/api/v1/solidarity/checkins/{checkin_id}/check-in")
    assert refused.status_code == 403 and refused.json()["code"] == "checkin_action_forbidden"


async def test_the_person_answering_after_the_alert_tells_the_watchers(api, fx_app, fx_settings, fx_password_hash,
                                                                      fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    person, _, checkin_id = await set_up(api, s, watchers=("w1", "w2"), grace_minutes=30)
    await remind_then_alert(fx_app, checkin_id, day, alert_at="10:31")
    fx_sms.clear()
    r = await person.post(f"/api/v1/solidarity/checkins/{checkin_id}/check-in")
    assert r.json()["round"]["state"] == "resolved" and r.json()["round"]["resolved_by"]["name"] == "Odette Martin"
    texts = await fx_sms.wait_for_async(2, timeout=15)
    assert sorted(t.to for t in texts) == sorted([s.phone("w1"), s.phone("w2")])
    assert all("tout va bien pour Odette Martin" in t.text for t in texts)


async def test_two_drivers_at_once_remind_once_and_alert_once(api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    _, _, checkin_id = await set_up(api, s)
    move_clock_to(local(day, "10:00"))
    results = await asyncio.gather(*(run_due_checkins(fx_app.state.queues, clock.now()) for _ in range(4)))
    assert sum(r["reminded"] for r in results) <= 1 and await totals() == {"reminded": 1, "escalated": 0}
    await settled_event(checkin_id, "reminded", REMINDER_KIND)
    move_clock_to(local(day, "11:01"))
    results = await asyncio.gather(*(run_due_checkins(fx_app.state.queues, clock.now()) for _ in range(4)))
    assert sum(r["escalated"] for r in results) <= 1 and await totals() == {"reminded": 1, "escalated": 1}
    assert await CheckinRound.count() == 1
    assert await CheckinEvent.count().where(CheckinEvent.type.is_in(["reminded", "escalated"])) == 2


async def test_a_check_in_set_up_after_the_hour_starts_the_next_day(api, fx_app, fx_settings, fx_password_hash,
                                                                    fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("14:00")
    person, _, checkin_id = await set_up(api, s)
    assert await tick(fx_app) == {"reminded": 0, "escalated": 0}
    view = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}")).json()
    assert view["current"] is None
    assert datetime.fromisoformat(view["next_due_at"]) == local(day + timedelta(days=1), "10:00")
    # The worker's periodic job is this very driver.
    assert drive_checkins in [task for _, task in periodic_tasks()]
    move_clock_to(local(day + timedelta(days=1), "10:00"))
    await drive_checkins({"queues": fx_app.state.queues})
    assert await totals() == {"reminded": 1, "escalated": 0}
