"""A check-in a referent sets up for someone waits for that person's own confirmation (in the app,
or OUI / NON to the consent SMS): until then it does not run, no neighbour is invited, and nobody
but the person sees contact data the person's directory settings hide."""

from __future__ import annotations

import importlib

from backend.checkins.service import CONSENT_KIND, MISSED_KIND
from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound
from tests.checkins.helpers import (
    NOTE, local, move_clock_to, remind_then_alert, scene, set_up, settled_event, tick, tomorrow_at,
)
from tests.checkins.test_checkin_sms_and_alerts import text_vigie

ADDRESS = "3 allée des Lilas, 45100 Bellerive-sur-Loire"


async def propose(api, s):
    """Rachid, the referent, sets a check-in up for Odette (consent given orally, he says)."""
    referent = await api.as_user(s.email("referent"))
    r = await referent.post(f"/api/v1/communities/{s.community}/checkins", {
        "person_id": s.ids["person"], "watcher_ids": [s.ids["w1"], s.ids["w2"]], "check_time": "10:00",
        "note": NOTE, "consent": {"method": "oral"}})
    assert r.status_code == 201, r.text
    return referent, r.json()


async def test_a_referents_set_up_waits_for_the_person_and_shows_nothing_she_hides(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    referent, checkin = await propose(api, s)  # Odette's directory settings: the defaults, « personne »
    cid = checkin["id"]
    assert checkin["status"] == "waiting_person" and checkin["confirmation"] == {"state": "pending", "at": None,
                                                                                 "via": ""}
    assert checkin["person"]["phone"] is None and checkin["person"]["address"] is None
    listed = (await referent.get(f"/api/v1/communities/{s.community}/checkins")).json()
    assert listed[0]["person"] == {"id": s.ids["person"], "name": "Odette Martin", "phone": None, "address": None}

    # Odette is asked by push and SMS; the neighbours hear nothing yet.
    [sms] = await fx_sms.wait_for_async(1, timeout=15)
    assert sms.to == s.phone("person") and "Rachid Referent propose une veille solidaire" in sms.text
    assert "Répondez OUI pour accepter, NON pour refuser" in sms.text and "Lilas" not in sms.text
    await settled_event(cid, "confirmation_asked", CONSENT_KIND)
    [push] = fx_push.for_subscription(s.subs["person"])
    assert push.json["event"] == CONSENT_KIND and push.json["url"] == "/#/veille"
    assert all(not fx_push.for_subscription(s.subs[w]) for w in ("w1", "w2", "referent"))
    assert fx_mail.messages == []
    w1 = await api.as_user(s.email("w1"))
    assert (await w1.get("/api/v1/solidarity/checkins")).json()["invitations"] == []
    early = await w1.post(f"/api/v1/solidarity/checkins/{cid}/invitation/accept")
    assert early.status_code == 404 and early.json()["code"] == "invitation_not_found"

    # It does not run: no reminder at the hour.
    move_clock_to(local(day, "10:05"))
    assert await tick(fx_app) == {"reminded": 0, "escalated": 0}

    # Only Odette answers: not the referent, not a neighbour.
    refused = await referent.post(f"/api/v1/solidarity/checkins/{cid}/confirm")
    assert refused.status_code == 403 and refused.json()["code"] == "checkin_action_forbidden"
    assert (await w1.post(f"/api/v1/solidarity/checkins/{cid}/confirm")).status_code == 404

    # Odette sees what would be shared, and with whom, then accepts.
    person = await api.as_user(s.email("person"))
    [mine] = (await person.get("/api/v1/solidarity/checkins")).json()["mine"]
    assert mine["status"] == "waiting_person" and mine["person"]["address"] == ADDRESS
    assert mine["person"]["phone"] == s.phone("person") and mine["note"] == NOTE
    assert [w["name"] for w in mine["watchers"]] == ["Bruno Roux", "Chantal Petit"]
    confirmed = await person.post(f"/api/v1/solidarity/checkins/{cid}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "waiting_watchers" and confirmed.json()["confirmation"]["state"] == "confirmed"
    assert confirmed.json()["confirmation"]["via"] == "app" and confirmed.json()["confirmation"]["at"]
    again = await person.post(f"/api/v1/solidarity/checkins/{cid}/confirm")
    assert again.status_code == 409 and again.json()["code"] == "checkin_already_confirmed"

    # Now the neighbours are invited, and the referent and the watchers see what she agreed to share.
    mails = await fx_mail.wait_for_async(2, timeout=15)
    assert sorted(m.rcpt_tos[0] for m in mails) == [s.email("w1"), s.email("w2")]
    assert (await referent.get(f"/api/v1/solidarity/checkins/{cid}")).json()["person"]["address"] == ADDRESS
    accepted = await w1.post(f"/api/v1/solidarity/checkins/{cid}/invitation/accept")
    assert accepted.status_code == 200 and accepted.json()["person"]["phone"] == s.phone("person")
    history = (await person.get(f"/api/v1/solidarity/checkins/{cid}/history")).json()["items"]
    types = [h["type"] for h in reversed(history)]
    assert types[:3] == ["created", "confirmation_asked", "person_confirmed"] and types.count("watcher_invited") == 2
    assert history[-3]["label"] == "Veille acceptée par la personne" and history[-3]["actor"]["name"] == "Odette Martin"


async def test_before_confirmation_the_referent_sees_what_her_settings_show_referents(
        api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    person = await api.as_user(s.email("person"))
    shared = await person.patch("/api/v1/directory/me", {"phone_visibility": "referents",
                                                          "address_visibility": "nobody"})
    assert shared.status_code == 200, shared.text
    referent, checkin = await propose(api, s)
    assert checkin["person"]["phone"] == s.phone("person") and checkin["person"]["address"] is None
    await person.patch("/api/v1/directory/me", {"phone_visibility": "nobody", "address_visibility": "community"})
    view = (await referent.get(f"/api/v1/solidarity/checkins/{checkin['id']}")).json()
    assert view["person"]["phone"] is None and view["person"]["address"] == ADDRESS


async def test_the_person_answers_oui_or_non_to_the_consent_sms(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    referent, checkin = await propose(api, s)
    await fx_sms.wait_for_async(1, timeout=15)
    fx_sms.clear()
    assert await text_vigie(api, s.phone("person"), "Oui", message_id="in_consent_1") == {"status": "checkin_answer"}
    [reply] = await fx_sms.wait_for_async(1, timeout=15)
    assert reply.to == s.phone("person") and "votre veille solidaire est acceptée" in reply.text
    row = await Checkin.select(Checkin.person_confirmation, Checkin.confirmed_via).where(
        Checkin.id == checkin["id"]).first()
    assert row == {"person_confirmation": "confirmed", "confirmed_via": "sms"}
    event = await CheckinEvent.select(CheckinEvent.source).where(CheckinEvent.type == "person_confirmed").first()
    assert event == {"source": "sms"}

    # A second proposal after she stops this one: NON refuses it, and it is stopped.
    person = await api.as_user(s.email("person"))
    await person.post(f"/api/v1/solidarity/checkins/{checkin['id']}/stop", {"reason": ""})
    _, second = await propose(api, s)
    fx_sms.clear()
    await fx_sms.wait_for_async(1, timeout=15)  # the consent SMS
    fx_sms.clear()
    assert await text_vigie(api, s.phone("person"), "non", message_id="in_consent_2") == {"status": "checkin_answer"}
    [reply] = await fx_sms.wait_for_async(1, timeout=15)
    assert "cette veille n'aura pas lieu" in reply.text
    view = (await referent.get(f"/api/v1/solidarity/checkins/{second['id']}")).json()
    assert view["status"] == "stopped" and view["confirmation"]["state"] == "refused"
    assert view["person"]["phone"] is None and view["person"]["address"] is None
    assert view["stop_reason"] == "Refusée par la personne"
    assert view["watchers"] == []  # removed: not listed


async def test_the_person_refuses_in_the_app(api, fx_app, fx_settings, fx_password_hash, fx_push):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    referent, checkin = await propose(api, s)
    person = await api.as_user(s.email("person"))
    refused = await person.post(f"/api/v1/solidarity/checkins/{checkin['id']}/refuse")
    assert refused.status_code == 200 and refused.json()["status"] == "stopped"
    assert refused.json()["confirmation"]["state"] == "refused"
    w1 = await api.as_user(s.email("w1"))
    assert (await w1.get("/api/v1/solidarity/checkins")).json() == {"mine": [], "watching": [], "invitations": []}
    late = await person.post(f"/api/v1/solidarity/checkins/{checkin['id']}/confirm")
    assert late.status_code == 409 and late.json()["code"] == "checkin_stopped"


async def test_ones_own_set_up_is_the_confirmation_and_the_alert_carries_address_and_phone(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    person, clients, cid = await set_up(api, s)  # Odette's settings: « personne » for everything
    view = (await clients["w1"].get(f"/api/v1/solidarity/checkins/{cid}")).json()
    assert view["confirmation"]["state"] == "confirmed" and view["confirmation"]["via"] == "app"
    assert view["person"]["phone"] == s.phone("person") and view["person"]["address"] == ADDRESS
    await remind_then_alert(fx_app, cid, day)
    alerts = [m for m in await fx_sms.wait_for_async(3, timeout=15) if m.to != s.phone("person")]
    assert alerts and all("allée des Lilas" in m.text and s.phone("person") in m.text for m in alerts)


async def test_an_unconfirmed_check_in_never_alerts_nor_shows_hidden_data_to_watchers(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    """A check-in set up on a referent's word before confirmations existed (the migration marks it
    pending): its open reminder is cancelled instead of alerting the watchers with her address."""
    s = await scene(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    _, clients, cid = await set_up(api, s)
    move_clock_to(local(day, "10:00"))
    await tick(fx_app)
    await Checkin.update({Checkin.person_confirmation: "pending", Checkin.consent_method: "oral"}).where(
        Checkin.id == cid)
    view = (await clients["w1"].get(f"/api/v1/solidarity/checkins/{cid}")).json()
    assert view["status"] == "waiting_person" and view["note"] == ""  # nor the health note
    assert view["person"]["phone"] is None and view["person"]["address"] is None
    fx_sms.clear()
    move_clock_to(local(day, "11:01"))
    assert (await tick(fx_app))["escalated"] == 0
    assert (await CheckinRound.select(CheckinRound.state).first())["state"] == "cancelled"
    assert await CheckinEvent.count().where(CheckinEvent.type == "escalated") == 0
    assert all("Lilas" not in m.text for m in fx_sms.messages)
    assert MISSED_KIND not in {p.json["event"] for p in fx_push.received}


async def test_the_migration_holds_earlier_referent_set_ups_until_the_person_confirms(
        api, fx_app, fx_settings, fx_password_hash, fx_push):
    """Rows written before confirmations existed: the column's default said « confirmed »."""
    migration = importlib.import_module("piccolo_migrations.solidarity.solidarity_2026_12_02t05_42_30_000000")
    s = await scene(fx_settings, fx_password_hash, fx_push)
    _, by_referent = await propose(api, s)
    nina = await api.as_user(s.email("neighbour"))  # Nina sets her own up
    r = await nina.post(f"/api/v1/communities/{s.community}/checkins", {"watcher_ids": [s.ids["w2"], s.ids["w3"]]})
    assert r.status_code == 201, r.text
    own = r.json()["id"]
    await Checkin.update({Checkin.person_confirmation: "confirmed", Checkin.confirmed_at: None,
                          Checkin.confirmed_via: ""}).where(Checkin.id.is_in([by_referent["id"], own]))
    for sql in migration.STATEMENTS:
        await Checkin.raw(sql)
    rows = {r["id"]: r for r in await Checkin.select(Checkin.id, Checkin.person_confirmation, Checkin.confirmed_via)}
    assert rows[by_referent["id"]]["person_confirmation"] == "pending"
    assert rows[own] == {"id": own, "person_confirmation": "confirmed", "confirmed_via": "app"}
