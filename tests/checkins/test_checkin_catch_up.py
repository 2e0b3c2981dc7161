"""Workers down while a period ended: the next driver run alerts the watchers once, for the most
recent missed period, saying since when there has been no news — on the controllable clock, with
the real push service and SMS provider."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from backend.delivery.channels.sms import transliterate_gsm7
from backend.lib import clock
from backend.checkins.escalation import run_due_checkins
from backend.lib.french import moment_in_words as french_moment
from backend.checkins.service import MISSED_KIND, REMINDER_KIND
from backend.checkins.tables import CheckinEvent, CheckinRound
from tests.alerts.helpers import wait_settled
from tests.checkins.helpers import NOTE, local, move_clock_to, scene, set_up, settled_event, tick, tomorrow_at


def sms_says(sms: str, words: str) -> bool:
    """`words` are in the SMS, as fit_sms may have written them in GSM-7 (« août » → « aout »:
    without this the test failed every August)."""
    return transliterate_gsm7(words) in transliterate_gsm7(sms)


async def workers_down(app: Any) -> None:
    """Stop the worker's periodic check-in driver: from now on it runs only when the test says."""
    for task in app.state.workers.tasks:
        if task.get_name() == "periodic-drive_checkins":
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return
    raise AssertionError("no periodic check-in driver in the worker")


async def quiet_receivers(fx_push: Any, fx_sms: Any) -> None:
    """Let the invitations go out, then start from empty receivers."""
    for event in await CheckinEvent.select(CheckinEvent.id).where(CheckinEvent.type == "watcher_invited"):
        await wait_settled(event["id"], kind="checkin_invite")
    fx_push.clear()
    fx_sms.clear()


async def drivers_at_once(app: Any, n: int = 4) -> int:
    """Several workers coming back at the same moment; how many alerts they caught up in all."""
    results = await asyncio.gather(*(run_due_checkins(app.state.queues, clock.now()) for _ in range(n)))
    return sum(r["caught_up"] for r in results)


async def test_workers_down_for_a_whole_period_alert_the_accepted_watchers_once_when_back(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    person, watchers, checkin_id = await set_up(api, s)  # Bruno and Chantal accept, Denis does not answer
    await quiet_receivers(fx_push, fx_sms)
    await workers_down(fx_app)

    # The workers come back the next morning at 09:00: yesterday's 10:00 went by unanswered.
    move_clock_to(local(day + timedelta(days=1), "09:00"))
    assert await drivers_at_once(fx_app) == 1
    assert await tick(fx_app) == {"reminded": 0, "escalated": 1}  # again: nothing new
    event_id = await settled_event(checkin_id, "escalated", MISSED_KIND)
    texts = await fx_sms.wait_for_async(2, timeout=15)
    pushes = await fx_push.wait_for_async(2, timeout=15)
    since = french_moment(local(day, "10:00"))
    assert sorted(t.to for t in texts) == sorted([s.phone("w1"), s.phone("w2")])
    assert all(sms_says(t.text, f"pas de nouvelles de Odette Martin depuis le {since}") for t in texts)
    assert {p.subscription_id for p in pushes} == {fx_push.subscription_id(s.subs[w]) for w in ("w1", "w2")}
    for p in pushes:
        assert p.json["event"] == "checkin_missed" and p.json["urgent"] is True
        assert f"Odette n'a pas donné de nouvelles depuis le {since}." in p.json["body"] and NOTE in p.json["body"]
    assert not fx_push.for_subscription(s.subs["w3"]) and not fx_push.for_subscription(s.subs["person"])
    assert {t.to for t in fx_sms.messages} == {s.phone("w1"), s.phone("w2")}

    # The watchers see the open alert for yesterday's period; the history says since when.
    view = (await watchers["w1"].get(f"/api/v1/solidarity/checkins/{checkin_id}")).json()
    assert [(r["period_date"], r["state"]) for r in view["open_rounds"]] == [(day.isoformat(), "escalated")]
    history = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}/history")).json()["items"]
    escalated = next(e for e in history if e["type"] == "escalated")
    assert escalated["id"] == event_id and escalated["note"] == f"Pas de nouvelles depuis le {since}"
    assert escalated["period_date"] == day.isoformat() and escalated["source"] == "system"
    assert escalated["delivery"]["push"]["sent"] == 2 and escalated["delivery"]["sms"]["sent"] == 2

    # Today goes on as usual: the reminder at 10:00.
    move_clock_to(local(day + timedelta(days=1), "10:00"))
    assert await tick(fx_app) == {"reminded": 1, "escalated": 1}
    assert await CheckinEvent.count().where(CheckinEvent.type == "escalated") == 1


async def test_workers_down_for_three_periods_send_one_alert_since_the_first_one_watched(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    await workers_down(fx_app)
    person, watchers, checkin_id = await set_up(api, s, accept=("w1",))
    # Chantal accepts only at 10:30: today's 10:00 was before the check-in was watched.
    move_clock_to(local(day, "10:30"))
    chantal = await api.as_user(s.email("w2"))
    assert (await chantal.post(f"/api/v1/solidarity/checkins/{checkin_id}/invitation/accept")).status_code == 200
    await quiet_receivers(fx_push, fx_sms)

    # Back four days later at 09:00: three periods missed (days 1, 2 and 3) — one alert.
    move_clock_to(local(day + timedelta(days=4), "09:00"))
    assert await drivers_at_once(fx_app) == 1
    assert await drivers_at_once(fx_app) == 0
    await settled_event(checkin_id, "escalated", MISSED_KIND)
    since = french_moment(local(day + timedelta(days=1), "10:00"))
    texts = await fx_sms.wait_for_async(2, timeout=15)
    assert sorted(t.to for t in texts) == sorted([s.phone("w1"), s.phone("w2")])
    assert all(sms_says(t.text, f"depuis le {since} (3 rendez-vous sans réponse)") for t in texts), [t.text for t in texts]
    rounds = await CheckinRound.select(CheckinRound.period_date, CheckinRound.state).where(
        CheckinRound.checkin == checkin_id)
    assert [(str(r["period_date"])[:10], r["state"]) for r in rounds] == [
        ((day + timedelta(days=3)).isoformat(), "escalated")]
    history = (await chantal.get(f"/api/v1/solidarity/checkins/{checkin_id}/history")).json()["items"]
    assert [e["note"] for e in history if e["type"] == "escalated"] == [
        f"Pas de nouvelles depuis le {since} (3 rendez-vous sans réponse)"]

    # Odette answers: the watchers hear that all is well, and nothing is alerted again.
    fx_sms.clear()
    r = await person.post(f"/api/v1/solidarity/checkins/{checkin_id}/check-in")
    assert r.status_code == 200 and r.json()["recorded"]
    texts = await fx_sms.wait_for_async(2, timeout=15)
    assert all("tout va bien pour Odette Martin" in t.text for t in texts)
    assert await drivers_at_once(fx_app) == 0
    assert await CheckinEvent.count().where(CheckinEvent.type == "escalated") == 1


async def test_a_reminder_left_unanswered_and_the_missed_periods_after_it_make_one_alert(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    await workers_down(fx_app)
    _, _, checkin_id = await set_up(api, s)
    # The reminder went out at 10:00, then the workers stopped before the grace period was over.
    move_clock_to(local(day, "10:00"))
    assert await tick(fx_app) == {"reminded": 1, "escalated": 0}
    await settled_event(checkin_id, "reminded", REMINDER_KIND)
    await quiet_receivers(fx_push, fx_sms)
    move_clock_to(local(day + timedelta(days=2), "09:00"))
    assert await drivers_at_once(fx_app) == 1
    assert await totals_escalated(checkin_id) == 1
    await settled_event(checkin_id, "escalated", MISSED_KIND)
    texts = await fx_sms.wait_for_async(2, timeout=15)
    assert sorted(t.to for t in texts) == sorted([s.phone("w1"), s.phone("w2")])
    since = french_moment(local(day, "10:00"))
    assert all(sms_says(t.text, f"depuis le {since} (2 rendez-vous sans réponse)") for t in texts)
    rounds = await CheckinRound.select(CheckinRound.period_date, CheckinRound.state).where(
        CheckinRound.checkin == checkin_id).order_by(CheckinRound.period_date)
    assert [r["state"] for r in rounds] == ["cancelled", "escalated"]
    assert await drivers_at_once(fx_app) == 0 and await totals_escalated(checkin_id) == 1


async def test_checking_in_late_within_the_period_or_a_paused_period_raise_no_alert(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    await workers_down(fx_app)
    person, _, checkin_id = await set_up(api, s)
    # No reminder (the workers are down); Odette checks in by herself at 14:00, long after 10:00.
    move_clock_to(local(day, "14:00"))
    r = await person.post(f"/api/v1/solidarity/checkins/{checkin_id}/check-in")
    assert r.status_code == 200 and r.json()["round"]["period_date"] == day.isoformat()
    move_clock_to(local(day, "18:00"))
    assert await drivers_at_once(fx_app) == 0
    # She then pauses until day 3 and the workers stay down until day 4 at 09:00: the paused days
    # are not missed ones.
    paused = await person.patch(f"/api/v1/solidarity/checkins/{checkin_id}",
                                {"paused_until": (day + timedelta(days=3)).isoformat()})
    assert paused.status_code == 200, paused.text
    move_clock_to(local(day + timedelta(days=4), "09:00"))
    assert await drivers_at_once(fx_app) == 0
    # Day 4 is missed in turn: one alert for it alone, the paused days are not counted.
    move_clock_to(local(day + timedelta(days=5), "09:00"))
    assert await drivers_at_once(fx_app) == 1
    history = (await person.get(f"/api/v1/solidarity/checkins/{checkin_id}/history")).json()["items"]
    since = french_moment(local(day + timedelta(days=4), "10:00"))
    assert [e["note"] for e in history if e["type"] == "escalated"] == [f"Pas de nouvelles depuis le {since}"]
    assert await CheckinEvent.count().where(CheckinEvent.type == "reminded") == 0


async def totals_escalated(checkin_id: int) -> int:
    return await CheckinEvent.count().where((CheckinEvent.checkin == checkin_id) & (CheckinEvent.type == "escalated"))
