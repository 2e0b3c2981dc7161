"""Setting a check-in up: invitations that must be accepted, consent recorded by a referent, who
sees what, validation, pause, schedule changes, watchers coming and going."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.checkins.tables import Checkin, CheckinEvent, CheckinWatcher
from tests.checkins.helpers import local, move_clock_to, scene, tick, tomorrow_at

NOTE = "Clés chez Mme Roux au n°14."


def body(s, *watchers, **extra):
    return {"watcher_ids": [s.ids[w] for w in watchers], "check_time": "10:00", "note": NOTE, **extra}


async def test_watchers_must_accept_and_see_the_address_and_note_only_then(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_mail):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    person = await api.as_user(s.email("person"))
    r = await person.post(f"/api/v1/communities/{s.community}/checkins", body(s, "w1", "w2", "w3"))
    assert r.status_code == 201, r.text
    checkin = r.json()
    assert checkin["status"] == "waiting_watchers" and checkin["my_role"] == "person"
    assert checkin["consent"]["method"] == "app" and checkin["consent"]["recorded_by"]["name"] == "Odette Martin"
    assert [w["status"] for w in checkin["watchers"]] == ["invited"] * 3 and checkin["accepted_watchers"] == 0
    assert checkin["current"] is None and checkin["next_due_at"] is None and checkin["every_days"] == 1
    cid = checkin["id"]

    # Each neighbour is asked by e-mail and push: who and when, never the address nor the note.
    mails = await fx_mail.wait_for_async(3, timeout=15)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted(s.email(w) for w in ("w1", "w2", "w3"))
    text = mails[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "Odette Martin vous propose de faire partie de sa veille solidaire (quartier Les Tilleuls)" in text
    assert "chaque jour à 10:00" in text and f"/#/veille/{cid}" in text
    assert "allée" not in text and "Roux au" not in text
    pushes = await fx_push.wait_for_async(3, timeout=15)
    assert all(p.json["event"] == "checkin_invite" and "Lilas" not in p.json["body"] for p in pushes)

    w1 = await api.as_user(s.email("w1"))
    mine = (await w1.get("/api/v1/solidarity/checkins")).json()
    assert mine["mine"] == [] and mine["watching"] == []
    [invitation] = mine["invitations"]
    assert invitation["person"]["name"] == "Odette Martin" and invitation["check_time"] == "10:00"
    assert invitation["invited_by"]["name"] == "Odette Martin" and "note" not in invitation
    assert (await w1.get(f"/api/v1/solidarity/checkins/{cid}")).status_code == 404  # not before accepting

    accepted = await w1.post(f"/api/v1/solidarity/checkins/{cid}/invitation/accept")
    assert accepted.status_code == 200 and accepted.json()["note"] == NOTE
    assert accepted.json()["person"]["address"] == "3 allée des Lilas, 45100 Bellerive-sur-Loire"
    assert accepted.json()["status"] == "waiting_watchers" and accepted.json()["my_role"] == "watcher"

    w2 = await api.as_user(s.email("w2"))
    assert (await w2.post(f"/api/v1/solidarity/checkins/{cid}/invitation/decline")).status_code == 204
    assert (await w2.get("/api/v1/solidarity/checkins")).json()["invitations"] == []
    assert (await w2.post(f"/api/v1/solidarity/checkins/{cid}/invitation/accept")).status_code == 404

    w3 = await api.as_user(s.email("w3"))
    active = (await w3.post(f"/api/v1/solidarity/checkins/{cid}/invitation/accept")).json()
    assert active["status"] == "active" and active["accepted_watchers"] == 2
    assert {w["name"]: w["status"] for w in active["watchers"]} == {
        "Bruno Roux": "accepted", "Chantal Petit": "declined", "Denis Moreau": "accepted"}
    assert active["next_due_at"] is not None
    watching = (await w1.get("/api/v1/solidarity/checkins")).json()["watching"]
    assert [c["id"] for c in watching] == [cid]


async def test_a_bad_set_up_is_refused_and_writes_nothing(api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    person = await api.as_user(s.email("person"))
    url = f"/api/v1/communities/{s.community}/checkins"
    cases = [
        (body(s, "w1"), "invalid_watchers"),
        (body(s, "w1", "foreign"), "invalid_watchers"),
        (body(s, "w1", "person"), "invalid_watchers"),
        (body(s, "w1", "w2", check_time="25:00"), "invalid_time"),
        (body(s, "w1", "w2", every_days=0), "invalid_period"),
        (body(s, "w1", "w2", grace_minutes=5), "invalid_grace"),
        (body(s, "w1", "w2", note="x" * 1001), "invalid_note"),
        (body(s, "w1", "w2", starts_on="hier"), "invalid_date"),
        (body(s, "w1", "w2", person_id=s.ids["neighbour"]), "referent_only"),
    ]
    for data, code in cases:
        r = await person.post(url, data)
        assert r.status_code in (400, 403) and r.json()["code"] == code, (data, r.text)
        assert "detail" in r.json()
    assert await Checkin.count() == 0 and await CheckinEvent.count() == 0 and await CheckinWatcher.count() == 0
    assert (await person.post(url, body(s, "w1", "w2"))).status_code == 201
    again = await person.post(url, body(s, "w1", "w3"))
    assert again.status_code == 409 and again.json()["code"] == "checkin_exists"
    assert await Checkin.count() == 1 and await CheckinWatcher.count() == 2
    foreign = await api.as_user(s.email("foreign"))
    assert (await foreign.post(url, body(s, "w1", "w2"))).status_code == 403


async def test_a_referent_sets_it_up_with_the_persons_consent_and_the_person_can_stop_it(
        api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    referent = await api.as_user(s.email("referent"))
    url = f"/api/v1/communities/{s.community}/checkins"
    no_consent = await referent.post(url, body(s, "w1", "w2", person_id=s.ids["person"]))
    assert no_consent.status_code == 400 and no_consent.json()["code"] == "consent_required"
    odd = await referent.post(url, body(s, "w1", "w2", person_id=s.ids["person"], consent={"method": "signe"}))
    assert odd.status_code == 400 and odd.json()["code"] == "consent_required"
    r = await referent.post(url, body(s, "w1", "w2", person_id=s.ids["person"], consent={
        "method": "écrit", "given_by": "Odette Martin et sa fille Claire", "detail": "Formulaire signé le matin"}))
    assert r.status_code == 201, r.text
    checkin = r.json()
    assert checkin["person"]["name"] == "Odette Martin" and checkin["created_by"]["name"] == "Rachid Referent"
    consent = checkin["consent"]
    assert consent["method"] == "ecrit" and consent["given_by"] == "Odette Martin et sa fille Claire"
    assert consent["recorded_by"]["name"] == "Rachid Referent" and checkin["my_role"] == "referent"
    listed = (await referent.get(url)).json()
    assert [c["id"] for c in listed] == [checkin["id"]]

    # The person sees it, with the consent recorded for her, and stops it.
    person = await api.as_user(s.email("person"))
    [mine] = (await person.get("/api/v1/solidarity/checkins")).json()["mine"]
    assert mine["id"] == checkin["id"] and mine["consent"]["method"] == "ecrit" and mine["my_role"] == "person"
    history = (await person.get(f"/api/v1/solidarity/checkins/{checkin['id']}/history")).json()["items"]
    assert history[-1]["type"] == "created"
    assert history[-1]["note"] == "Accord écrit de Odette Martin et sa fille Claire"
    watcher = await api.as_user(s.email("w1"))
    refused = await watcher.post(f"/api/v1/solidarity/checkins/{checkin['id']}/stop", {"reason": "non"})
    assert refused.status_code == 404  # an invited watcher does not even see it
    mine_url = f"/api/v1/solidarity/checkins/{checkin['id']}"
    stopped = await person.post(f"{mine_url}/stop", {"reason": "Je pars chez ma fille."})
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert stopped.json()["stop_reason"] == "Je pars chez ma fille." and stopped.json()["next_due_at"] is None
    assert (await person.post(f"{mine_url}/check-in")).json()["code"] == "checkin_stopped"
    assert (await watcher.get("/api/v1/solidarity/checkins")).json()["invitations"] == []
    # A new one may be set up later.
    assert (await person.post(url, body(s, "w1", "w2"))).status_code == 201


async def test_only_the_person_accepted_watchers_and_referents_see_a_check_in(
        api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    person = await api.as_user(s.email("person"))
    cid = (await person.post(f"/api/v1/communities/{s.community}/checkins", body(s, "w1", "w2", "w3"))).json()["id"]
    w1 = await api.as_user(s.email("w1"))
    await w1.post(f"/api/v1/solidarity/checkins/{cid}/invitation/accept")
    expected = {"person": 200, "w1": 200, "referent": 200,
                "w2": 404, "neighbour": 404, "foreign": 404, "moderator": 404}
    for key, status in expected.items():
        client = person if key == "person" else await api.as_user(s.email(key))
        for path in ("", "/history"):
            r = await client.get(f"/api/v1/solidarity/checkins/{cid}{path}")
            assert r.status_code == status, (key, path, r.text)
        if status == 404:
            assert (await client.post(f"/api/v1/solidarity/checkins/{cid}/going")).status_code == 404
            assert (await client.patch(f"/api/v1/solidarity/checkins/{cid}", {"note": "x"})).status_code == 404
    neighbour = await api.as_user(s.email("neighbour"))
    assert (await neighbour.get(f"/api/v1/communities/{s.community}/checkins")).status_code == 403
    nothing = {"mine": [], "watching": [], "invitations": []}
    assert (await neighbour.get("/api/v1/solidarity/checkins")).json() == nothing
    found = (await neighbour.get(f"/api/v1/communities/{s.community}/checkins/candidates?q=rou")).json()
    assert found == [{"user_id": s.ids["w1"], "name": "Bruno Roux"}]
    short = await neighbour.get(f"/api/v1/communities/{s.community}/checkins/candidates?q=r")
    assert short.status_code == 400 and short.json()["code"] == "query_too_short"
    assert (await neighbour.get(f"/api/v1/communities/{s.community}/checkins/candidates?q=Ailleurs")).json() == []


async def test_pause_schedule_change_and_watchers_coming_and_going(api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    person = await api.as_user(s.email("person"))
    cid = (await person.post(f"/api/v1/communities/{s.community}/checkins", body(s, "w1", "w2"))).json()["id"]
    clients = {w: await api.as_user(s.email(w)) for w in ("w1", "w2", "w3", "referent")}
    for w in ("w1", "w2"):
        await clients[w].post(f"/api/v1/solidarity/checkins/{cid}/invitation/accept")
    url = f"/api/v1/solidarity/checkins/{cid}"

    # Away for two days: no reminder, and the next one is due after the pause.
    paused = await person.patch(url, {"paused_until": (day + timedelta(days=1)).isoformat()})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert datetime.fromisoformat(paused.json()["next_due_at"]) == local(day + timedelta(days=2), "10:00")
    move_clock_to(local(day, "10:05"))
    assert await tick(fx_app) == {"reminded": 0, "escalated": 0}
    resumed = await person.patch(url, {"paused_until": None})
    assert resumed.json()["status"] == "active"
    assert await tick(fx_app) == {"reminded": 0, "escalated": 0}  # today's hour passed before resuming
    bad = await person.patch(url, {"paused_until": (day - timedelta(days=1)).isoformat()})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_date"

    # The referent moves the hour; a watcher may not.
    assert (await clients["w1"].patch(url, {"check_time": "11:00"})).status_code == 403
    moved = await clients["referent"].patch(url, {"check_time": "11:00", "grace_minutes": 90, "note": "Clés au 14."})
    assert moved.status_code == 200 and moved.json()["check_time"] == "11:00" and moved.json()["grace_minutes"] == 90
    assert datetime.fromisoformat(moved.json()["next_due_at"]) == local(day, "11:00")
    history = (await person.get(f"{url}/history")).json()["items"]
    assert [h["type"] for h in history[:3]] == ["updated", "resumed", "paused"]
    assert history[0]["note"] == "heure 11:00, délai 90 min, note" and history[0]["actor"]["name"] == "Rachid Referent"

    # Watchers: Odette invites Denis; Bruno steps down; below two accepted, the watch waits.
    invited = await person.post(f"{url}/watchers", {"user_id": s.ids["w3"]})
    assert invited.status_code == 201 and invited.json()["watchers"][-1]["status"] == "invited"
    assert (await person.post(f"{url}/watchers", {"user_id": s.ids["w3"]})).json()["code"] == "already_watcher"
    assert (await person.post(f"{url}/watchers", {"user_id": s.ids["foreign"]})).json()["code"] == "invalid_watchers"
    assert (await clients["w1"].delete(f"{url}/watchers/{s.ids['w1']}")).status_code == 204
    assert (await clients["w1"].get(url)).status_code == 404
    assert (await person.get(url)).json()["status"] == "waiting_watchers"
    move_clock_to(local(day, "11:00"))
    assert await tick(fx_app) == {"reminded": 0, "escalated": 0}  # not watched meanwhile
    assert (await clients["w2"].delete(f"{url}/watchers/{s.ids['w3']}")).status_code == 403
    await clients["w3"].post(f"{url}/invitation/accept")
    assert (await person.get(url)).json()["status"] == "active"
    # Active again from now on: 11:00 today is past, tomorrow 11:00 is next.
    next_due = (await person.get(url)).json()["next_due_at"]
    assert datetime.fromisoformat(next_due) == local(day + timedelta(days=1), "11:00")
    move_clock_to(local(day + timedelta(days=1), "11:00"))
    assert (await tick(fx_app))["reminded"] == 1
