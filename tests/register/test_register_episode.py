"""A heatwave with three registered people on a controllable clock, the real push service and SMS
provider: Alice answers in the app, Bernard by SMS « OK », Colette not at all — her daughter and
her volunteer are alerted exactly once, the board says who is where, the volunteer's call is
recorded; closing the episode stops the questions and the volunteer's view, the register stays."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from backend.audit.tables import AuditEntry
from backend.lib import clock
from backend.register.episodes import ALL_CLEAR_KIND, NO_ANSWER_KIND, QUESTION_KIND, run_episodes
from backend.register.tables import EpisodeCheck, EpisodeDay
from tests.alerts.helpers import wait_settled
from tests.checkins.helpers import local, move_clock_to, tomorrow_at
from tests.checkins.test_checkin_sms_and_alerts import text_vigie
from tests.register.helpers import cast, tick, totals


async def register_three(api, c):
    """Alice registers herself (app); an agent keys in Bernard's paper form (SMS) and Colette's
    (app, her daughter Fanny to call); Colette is assigned to Victor, the volunteer."""
    w = c.world
    alice = await api.as_user(c.email("alice"))
    r = await alice.post("/api/v1/register/me", {"community_id": w.community, "channel": "app",
                                                  "health_notes": "Asthme"})
    assert r.status_code == 201 and r.json()["status"] == "active", r.text
    staff = await api.as_user(w.email("staff"))
    base = {"community_id": w.community, "consent": {"method": "ecrit", "detail": "formulaire papier signé"}}
    r = await staff.post(f"/api/v1/communes/{w.commune}/register", {
        **base, "first_name": "Bernard", "last_name": "Blanc", "address": "2 rue des Lilas, 45100 Bellerive",
        "phone": "06 50 00 00 02", "channel": "sms"})
    assert r.status_code == 201 and r.json()["status"] == "active" and r.json()["has_account"], r.text
    r = await staff.post(f"/api/v1/communes/{w.commune}/register", {
        **base, "first_name": "Colette", "last_name": "Carré", "address": "3 rue des Lilas, 45100 Bellerive",
        "phone": c.phone("colette"), "channel": "app", "health_notes": "Vit seule, marche avec une canne",
        "contacts": [{"name": "Fanny Carré", "phone": c.phone("fille"), "relation": "fille"}]})
    assert r.status_code == 201, r.text
    colette = r.json()
    assert colette["contacts"][0]["has_account"] is True
    r = await staff.post(f"/api/v1/communes/{w.commune}/volunteers/{c.ids['benevole']}/assignments",
                         {"entry_id": colette["id"]})
    assert r.status_code == 201 and r.json()["assigned"] == [colette["id"]], r.text
    return alice, staff, colette["id"]


async def test_heatwave_one_answers_in_the_app_one_by_sms_one_not_at_all(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    w = c.world
    day = tomorrow_at("08:00")
    alice, staff, colette_id = await register_three(api, c)
    volunteer = await api.as_user(c.email("benevole"))
    assert (await volunteer.get("/api/v1/register/volunteer")).json() == {"episode": None, "people": []}

    r = await staff.post(f"/api/v1/communes/{w.commune}/episodes", {
        "kind": "canicule", "starts_on": day.isoformat(), "ends_on": (day + timedelta(days=2)).isoformat(),
        "check_time": "10:00", "no_answer_minutes": 60})
    assert r.status_code == 201, r.text
    episode = r.json()
    assert episode["title"] == "Canicule" and episode["status"] == "open"

    move_clock_to(local(day, "09:00"))
    assert await tick(fx_app, clock.now()) == {"asked": 0, "alerted": 0}

    # 10:00: the question, to Alice and Colette by push, to Bernard by SMS.
    move_clock_to(local(day, "10:00"))
    assert await tick(fx_app, clock.now()) == {"asked": 3, "alerted": 0}
    assert await tick(fx_app, clock.now()) == {"asked": 3, "alerted": 0}  # idempotent
    day_row = await EpisodeDay.select(EpisodeDay.id).first()
    await wait_settled(day_row["id"], kind=QUESTION_KIND)
    texts = await fx_sms.wait_for_async(1, timeout=15)
    assert [t.to for t in texts] == [c.phone("bernard")] and "Répondez OK" in texts[0].text
    pushes = await fx_push.wait_for_async(2, timeout=15)
    assert {p.subscription_id for p in pushes} == {fx_push.subscription_id(c.subs[k]) for k in ("alice", "colette")}
    assert all(p.json["title"] == "Tout va bien ?" and p.json["event"] == QUESTION_KIND for p in pushes)

    # Alice answers in the app, Bernard by SMS « OK ».
    mine = (await alice.get("/api/v1/register/mine")).json()
    assert [m["state"] for m in mine["checks"]] == ["asked"]
    r = await alice.post(f"/api/v1/register/checks/{mine['checks'][0]['id']}/answer", {"answer": "ok"})
    assert r.status_code == 200 and r.json()["state"] == "ok", r.text
    fx_sms.clear()
    assert await text_vigie(api, c.phone("bernard"), "ok merci", message_id="in_reg_1") == {"status": "register_ok"}
    reply = await fx_sms.wait_for_async(1, timeout=15)
    assert reply[0].to == c.phone("bernard") and "tout va bien" in reply[0].text

    # 10:30: within the delay. 11:01: Colette is silent — four drivers at once alert once.
    fx_push.clear()
    fx_sms.clear()
    move_clock_to(local(day, "10:30"))
    assert (await tick(fx_app, clock.now()))["alerted"] == 0
    move_clock_to(local(day, "11:01"))
    results = await asyncio.gather(*(run_episodes(fx_app.state, clock.now()) for _ in range(4)))
    assert sum(r["alerted"] for r in results) == 1 and await totals() == {"asked": 3, "alerted": 1}
    colette_check = await EpisodeCheck.select(EpisodeCheck.id).where(EpisodeCheck.state == "no_answer").first()
    await wait_settled(colette_check["id"], kind=NO_ANSWER_KIND)
    texts = await fx_sms.wait_for_async(2, timeout=15)
    assert sorted(t.to for t in texts) == sorted([c.phone("fille"), c.phone("benevole")])
    assert all("pas de réponse de Colette Carré" in t.text and "3 rue des Lilas" in t.text for t in texts)
    pushes = await fx_push.wait_for_async(2, timeout=15)
    assert {p.subscription_id for p in pushes} == {fx_push.subscription_id(c.subs[k]) for k in ("fille", "benevole")}
    assert all(p.json["urgent"] is True and "canne" in p.json["body"] for p in pushes)
    await asyncio.sleep(0.5)  # nothing else comes: not Alice, not Bernard, not a second alert
    assert len(fx_sms.messages) == 2 and len(fx_push.received) == 2

    # The staff's board.
    board = (await staff.get(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/board")).json()
    assert board["day"] == day.isoformat() and board["episode"]["counts"] == {
        "total": 3, "ok": 2, "help": 0, "no_answer": 1, "waiting": 0}
    rows = {r["first_name"]: r for r in board["rows"]}
    assert rows["Colette"]["state"] == "no_answer" and rows["Colette"]["escalated_at"]
    assert rows["Colette"]["volunteers"] == ["Victor Bénévole"] and board["rows"][0]["first_name"] == "Colette"
    assert (rows["Alice"]["state"], rows["Alice"]["answered_via"]) == ("ok", "app")
    assert (rows["Bernard"]["state"], rows["Bernard"]["answered_via"]) == ("ok", "sms")

    # Victor sees Colette only (during the episode), calls her and records it; the board says who and when.
    view = (await volunteer.get("/api/v1/register/volunteer")).json()
    assert view["episode"]["id"] == episode["id"] and [p["first_name"] for p in view["people"]] == ["Colette"]
    assert view["people"][0]["state"] == "no_answer" and view["people"][0]["contacts"][0]["name"] == "Fanny Carré"
    r = await volunteer.post(f"/api/v1/register/checks/{rows['Alice']['check_id']}/call", {"result": "ok"})
    assert r.status_code == 404  # not his person
    r = await volunteer.post(f"/api/v1/register/checks/{rows['Colette']['check_id']}/call",
                             {"result": "ok", "note": "Elle dormait, tout va bien."})
    assert r.status_code == 200 and r.json()["state"] == "ok", r.text
    board = (await staff.get(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/board")).json()
    colette = next(r for r in board["rows"] if r["first_name"] == "Colette")
    assert colette["called_by"] == "Victor Bénévole" and colette["called_at"] and colette["answered_via"] == "call"
    assert board["episode"]["counts"]["ok"] == 3
    assert await AuditEntry.count().where(AuditEntry.action == "register.board") == 2
    # Those alerted hear that all is well (push and SMS, as the alert reached them).
    await wait_settled(colette_check["id"], kind=ALL_CLEAR_KIND)
    texts = await fx_sms.wait_for_async(4, timeout=15)
    assert sorted(t.to for t in texts[2:]) == sorted([c.phone("fille"), c.phone("benevole")])
    assert all("Colette Carré a répondu à la mairie de" in t.text and "tout va bien" in t.text for t in texts[2:])

    # Closing: no question the next day, the volunteer sees nobody; the register stays.
    r = await staff.post(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (await staff.post(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/close")).status_code == 409
    fx_sms.clear()
    fx_push.clear()
    move_clock_to(local(day + timedelta(days=1), "10:05"))
    assert await tick(fx_app, clock.now()) == {"asked": 3, "alerted": 1}
    assert (await volunteer.get("/api/v1/register/volunteer")).json() == {"episode": None, "people": []}
    closed = await alice.post(f"/api/v1/register/checks/{mine['checks'][0]['id']}/answer", {"answer": "help"})
    assert closed.status_code == 409 and closed.json()["code"] == "episode_closed"
    register = (await staff.get(f"/api/v1/communes/{w.commune}/register")).json()
    assert sorted(e["first_name"] for e in register if e["status"] == "active") == ["Alice", "Bernard", "Colette"]
    await asyncio.sleep(0.3)
    assert not fx_sms.messages and not fx_push.received
    # Outside the episode, an « OK » goes on to the usual commands (here: the bare-word explanation).
    assert (await text_vigie(api, c.phone("bernard"), "OK", message_id="in_reg_2"))["status"] != "register_ok"


async def test_a_person_who_answers_needs_help_shows_first_on_the_board_and_the_other_commune_sees_nothing(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    w = c.world
    day = tomorrow_at("08:00")
    alice, staff, _ = await register_three(api, c)
    episode = (await staff.post(f"/api/v1/communes/{w.commune}/episodes", {
        "kind": "grand_froid", "starts_on": day.isoformat(), "ends_on": day.isoformat(), "check_time": "09:30",
        "community_ids": [w.community]})).json()
    assert episode["no_answer_minutes"] == fx_settings.register_no_answer_minutes
    move_clock_to(local(day, "09:31"))
    assert (await tick(fx_app, clock.now()))["asked"] == 3
    check_id = (await alice.get("/api/v1/register/mine")).json()["checks"][0]["id"]
    r = await alice.post(f"/api/v1/register/checks/{check_id}/answer", {"answer": "help"})
    assert r.status_code == 200 and r.json()["state"] == "help"
    board = (await staff.get(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/board")).json()
    assert board["rows"][0]["first_name"] == "Alice" and board["rows"][0]["state"] == "help"
    other = await api.as_user(w.email("other_staff"))
    assert (await other.get(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/board")).status_code == 403
    assert (await other.get(f"/api/v1/communes/{w.other_commune}/episodes/{episode['id']}/board")).status_code == 404
    # Bernard cannot answer Alice's question.
    bernard = await api.as_user(c.email("bernard"))
    assert (await bernard.post(f"/api/v1/register/checks/{check_id}/answer", {"answer": "ok"})).status_code == 404
