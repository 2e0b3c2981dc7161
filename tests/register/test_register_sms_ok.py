"""« OK » by SMS when the person has both today's episode question and a running check-in: one
SMS answers both (the register's command comes first and records the check-in too); with no
episode question open, « OK » stays the check-in's."""

from __future__ import annotations

from datetime import timedelta

from backend.checkins.tables import CheckinRound
from backend.demo import make_user
from backend.lib import clock
from backend.register.tables import EpisodeCheck
from tests.checkins.helpers import local, move_clock_to, scene, set_up, tick as checkin_tick, tomorrow_at
from tests.checkins.test_checkin_sms_and_alerts import text_vigie
from tests.register.helpers import tick


async def test_one_ok_answers_the_episode_question_and_the_check_in(api, fx_app, fx_settings, fx_password_hash,
                                                                    fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    person, _, checkin_id = await set_up(api, s)  # Odette's check-in at 10:00, two watchers
    r = await person.post("/api/v1/register/me", {"community_id": s.community, "channel": "sms"})
    assert r.status_code == 201, r.text
    commune = r.json()["commune_id"]
    await make_user("agent@test.vigie.fr", "Agnès", "Agent", password_hash=fx_password_hash, phone="+33649999999",
                    staff_of=commune)
    staff = await api.as_user("agent@test.vigie.fr")

    # No episode yet: « OK » is the check-in's (after its reminder).
    move_clock_to(local(day, "10:00"))
    await checkin_tick(fx_app)
    assert await text_vigie(api, s.phone("person"), "OK", message_id="in_ok_a") == {"status": "checked_in"}

    # The next day an episode asks at 09:00 and the check-in reminds at 10:00: one « OK » at 10:05.
    next_day = day + timedelta(days=1)
    r = await staff.post(f"/api/v1/communes/{commune}/episodes", {
        "kind": "canicule", "starts_on": next_day.isoformat(), "ends_on": next_day.isoformat(), "check_time": "09:00"})
    assert r.status_code == 201, r.text
    move_clock_to(local(next_day, "10:00"))
    assert (await tick(fx_app, clock.now()))["asked"] == 1
    await checkin_tick(fx_app)
    move_clock_to(local(next_day, "10:05"))
    assert await text_vigie(api, s.phone("person"), "ok merci", message_id="in_ok_b") == {"status": "register_ok"}
    check = await EpisodeCheck.select(EpisodeCheck.state, EpisodeCheck.answered_via).first()
    assert check == {"state": "ok", "answered_via": "sms"}
    rounds = await CheckinRound.select(CheckinRound.period_date, CheckinRound.state).where(
        CheckinRound.checkin == checkin_id).order_by(CheckinRound.period_date)
    assert [r["state"] for r in rounds] == ["checked_in", "checked_in"]
