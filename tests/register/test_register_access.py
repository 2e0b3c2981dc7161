"""Who registers whom, who confirms, who may read: a person registered by a relative is not active
(nor asked during an episode) until they confirm; only the commune's staff, the person and the
people they named read an entry, every reading in the audit log; another commune's agent gets 403/404."""

from __future__ import annotations

from datetime import timedelta

from backend.audit.tables import AuditEntry
from backend.lib import clock
from backend.register.service import CONFIRM_KIND
from backend.register.tables import EpisodeCheck, RegisterEntry
from tests.alerts.helpers import wait_settled
from tests.checkins.helpers import local, move_clock_to, tomorrow_at
from tests.checkins.test_checkin_sms_and_alerts import text_vigie
from tests.register.helpers import cast, tick

COLETTE = {"first_name": "Colette", "last_name": "Carré", "address": "3 rue des Lilas, 45100 Bellerive",
           "channel": "sms", "relation": "fille", "health_notes": "Diabétique"}


async def test_registered_by_a_relative_is_inactive_until_the_person_confirms_by_sms(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    w = c.world
    day = tomorrow_at("08:00")
    fanny = await api.as_user(c.email("fille"))
    r = await fanny.post("/api/v1/register/relatives", {**COLETTE, "community_id": w.community,
                                                        "phone": c.phone("colette")})
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["status"] == "pending" and entry["source"] == "relative" and entry["has_account"]
    assert [(x["name"], x["relation"], x["has_account"]) for x in entry["contacts"]] == [("Fanny Carré", "fille", True)]
    await wait_settled(entry["id"], kind=CONFIRM_KIND)
    texts = await fx_sms.wait_for_async(1, timeout=15)
    assert texts[0].to == c.phone("colette") and "Répondez OUI" in texts[0].text and "Fanny Carré" in texts[0].text
    # Twice is refused: one registration per person.
    again = await fanny.post("/api/v1/register/relatives", {**COLETTE, "community_id": w.community,
                                                            "phone": c.phone("colette")})
    assert again.status_code == 409 and again.json()["code"] == "already_registered"

    # An episode opens: Colette, still pending, is not asked.
    staff = await api.as_user(w.email("staff"))
    r = await staff.post(f"/api/v1/communes/{w.commune}/episodes", {
        "kind": "canicule", "starts_on": day.isoformat(), "ends_on": day.isoformat(), "check_time": "10:00"})
    assert r.status_code == 201, r.text
    move_clock_to(local(day, "10:00"))
    assert (await tick(fx_app, clock.now()))["asked"] == 0
    # Only Colette may confirm in the app; her daughter cannot.
    refused = await fanny.post(f"/api/v1/register/{entry['id']}/confirm")
    assert refused.status_code == 403 and refused.json()["code"] == "not_the_person"

    # Colette answers OUI by SMS: active.
    fx_sms.clear()
    assert await text_vigie(api, c.phone("colette"), "Oui", message_id="in_reg_oui") == {"status": "register_answer"}
    reply = await fx_sms.wait_for_async(1, timeout=15)
    assert "inscription au registre de la mairie est confirmée" in reply[0].text
    row = await RegisterEntry.select(RegisterEntry.status, RegisterEntry.consent_method).where(
        RegisterEntry.id == entry["id"]).first()
    assert row == {"status": "active", "consent_method": "sms"}
    # A second OUI is no longer for the register (nothing pending).
    assert (await text_vigie(api, c.phone("colette"), "Oui", message_id="in_reg_oui2"))["status"] != "register_answer"
    # Today's question went out without her; the next day she is asked.
    assert await EpisodeCheck.count() == 0
    move_clock_to(local(day + timedelta(days=1), "10:00"))
    r = await staff.post(f"/api/v1/communes/{w.commune}/episodes", {
        "kind": "grand_froid", "starts_on": (day + timedelta(days=1)).isoformat(),
        "ends_on": (day + timedelta(days=1)).isoformat(), "check_time": "10:00"})
    assert r.status_code == 201, r.text
    assert (await tick(fx_app, clock.now()))["asked"] == 1


async def test_a_relative_without_account_for_the_person_waits_for_the_call_the_agent_records(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    w = c.world
    fanny = await api.as_user(c.email("fille"))
    sms_without_account = await fanny.post("/api/v1/register/relatives", {
        **COLETTE, "community_id": w.community, "first_name": "Gaston", "phone": "0238000000"})
    assert sms_without_account.status_code == 400 and sms_without_account.json()["code"] == "channel_needs_account"
    r = await fanny.post("/api/v1/register/relatives", {**COLETTE, "community_id": w.community, "first_name": "Gaston",
                                                        "phone": "0238000000", "channel": "call"})
    assert r.status_code == 201 and r.json()["status"] == "pending" and not r.json()["has_account"], r.text
    entry_id = r.json()["id"]
    other_staff = await api.as_user(w.email("other_staff"))
    denied = await other_staff.post(f"/api/v1/communes/{w.other_commune}/register/{entry_id}/call-confirmation",
                                    {"agreed": True})
    assert denied.status_code == 404
    staff = await api.as_user(w.email("staff"))
    r = await staff.post(f"/api/v1/communes/{w.commune}/register/{entry_id}/call-confirmation",
                         {"agreed": True, "detail": "Appelé le matin, d'accord"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["consent_method"]) == ("active", "telephone")
    assert (await staff.post(f"/api/v1/communes/{w.commune}/register/{entry_id}/call-confirmation",
                             {"agreed": True})).status_code == 409
    # A paper form keyed in without the consent is refused, nothing written.
    before = await RegisterEntry.count()
    r = await staff.post(f"/api/v1/communes/{w.commune}/register", {
        **COLETTE, "community_id": w.community, "first_name": "Henri", "phone": "0238000001", "channel": "call",
        "consent": {"method": ""}})
    assert r.status_code == 400 and r.json()["code"] == "consent_required"
    assert await RegisterEntry.count() == before


async def test_only_the_communes_staff_the_person_and_those_named_read_an_entry_and_each_reading_is_audited(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    w = c.world
    colette = await api.as_user(c.email("colette"))
    r = await colette.post("/api/v1/register/me", {
        "community_id": w.community, "channel": "app", "health_notes": "Diabétique",
        "contacts": [{"name": "Fanny Carré", "phone": c.phone("fille"), "relation": "fille"}]})
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    path = f"/api/v1/register/{entry_id}"
    readers = {"staff": w.email("staff"), "person": c.email("colette"), "named": c.email("fille")}
    for who, email in readers.items():
        got = await (await api.as_user(email)).get(path)
        assert got.status_code == 200 and got.json()["health_notes"] == "Diabétique", (who, got.text)
    for email in (w.email("other_staff"), w.email("member"), w.email("referent"), w.email("moderator"),
                  w.email("admin"), c.email("benevole")):
        got = await (await api.as_user(email)).get(path)
        assert got.status_code == 404 and "Diabétique" not in got.text, email
    other_staff = await api.as_user(w.email("other_staff"))
    assert (await other_staff.get(f"/api/v1/communes/{w.commune}/register")).status_code == 403
    assert (await other_staff.get(f"/api/v1/communes/{w.other_commune}/register")).json() == []
    reads = await AuditEntry.select(AuditEntry.actor, AuditEntry.target, AuditEntry.commune).where(
        AuditEntry.action == "register.read")
    assert sorted(r["actor"] for r in reads) == sorted([w.users["staff"], c.ids["colette"], c.ids["fille"]])
    assert {(r["target"], r["commune"]) for r in reads} == {(f"register:{entry_id}", w.commune)}
    staff = await api.as_user(w.email("staff"))
    await staff.get(f"/api/v1/communes/{w.commune}/register")
    assert await AuditEntry.count().where(AuditEntry.action == "register.list") == 2  # the other commune's too
    # The person takes herself off the register.
    assert (await colette.post(f"{path}/remove")).status_code == 204
    mine = (await colette.get("/api/v1/register/mine")).json()
    assert mine["mine"] == [] and mine["checks"] == []
