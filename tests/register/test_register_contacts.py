"""Named contacts without a Vigie account: on « no answer » each mobile gets one SMS (through the
delivery rows: retried, in the commune's SMS budget, with the provider's idempotency key, on the
board), a landline is left to the staff; a late answer tells everyone alerted, once. Real SMS
emulator, real push service, controllable clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from backend.delivery import jobs as delivery_jobs
from backend.delivery.channels.sms import sms_segments
from backend.delivery.tables import Delivery
from backend.lib import clock
from backend.mairie.tables import SmsSpend
from backend.register.episodes import ALL_CLEAR_KIND, CONTACT_KIND, NO_ANSWER_KIND, run_episodes
from backend.register.tables import EpisodeCheck
from tests.alerts.helpers import wait_settled
from tests.checkins.helpers import local, move_clock_to, tomorrow_at
from tests.checkins.test_checkin_sms_and_alerts import text_vigie
from tests.register.helpers import cast

NEIGHBOUR = "+33612345678"  # Marc, a neighbour on a mobile, no account
LANDLINE = "+33145678901"  # Paul, a friend on a landline (01 45 67 89 01)
MAIRIE = "01 40 00 00 00"


async def register_colette(api, c):
    """Colette, on paper, names her daughter Fanny (a member), Marc (mobile) and Paul (landline);
    Victor is her volunteer."""
    w = c.world
    staff = await api.as_user(w.email("staff"))
    r = await staff.post(f"/api/v1/communes/{w.commune}/register", {
        "community_id": w.community, "consent": {"method": "ecrit", "detail": "formulaire papier signé"},
        "first_name": "Colette", "last_name": "Carré", "address": "3 rue des Lilas, 45100 Bellerive",
        "phone": c.phone("colette"), "channel": "sms", "health_notes": "Diabète, insuline le matin",
        "contacts": [{"name": "Fanny Carré", "phone": c.phone("fille"), "relation": "fille"},
                     {"name": "Marc Voisin", "phone": "06 12 34 56 78", "relation": "voisin"},
                     {"name": "Paul Ami", "phone": "01 45 67 89 01", "relation": "ami"}]})
    assert r.status_code == 201, r.text
    entry = r.json()
    # What the agent is told when registering: who will be texted, who is to be called.
    assert [(x["name"], x["has_account"], x["texted"], x["mobile"]) for x in entry["contacts"]] == [
        ("Fanny Carré", True, False, True), ("Marc Voisin", False, True, True), ("Paul Ami", False, False, False)]
    r = await staff.post(f"/api/v1/communes/{w.commune}/volunteers/{c.ids['benevole']}/assignments",
                         {"entry_id": entry["id"]})
    assert r.status_code == 201, r.text
    return staff, entry["id"]


async def open_and_ask(api, fx_app, fx_sms, c, staff, day):
    w = c.world
    r = await staff.post(f"/api/v1/communes/{w.commune}/episodes", {
        "kind": "canicule", "starts_on": day.isoformat(), "ends_on": (day + timedelta(days=1)).isoformat(),
        "check_time": "10:00", "no_answer_minutes": 60, "callback_phone": MAIRIE})
    assert r.status_code == 201 and r.json()["callback_phone"] == "+33140000000", r.text
    episode = r.json()
    move_clock_to(local(day, "10:00"))
    await run_episodes(fx_app.state, clock.now())
    await fx_sms.wait_for_async(1, timeout=15)  # the question to Colette (SMS), before the delay runs out
    fx_sms.clear()
    return episode


async def test_a_contact_without_an_account_is_texted_once_and_a_landline_is_left_to_call(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    w = c.world
    day = tomorrow_at("08:00")
    staff, _ = await register_colette(api, c)
    episode = await open_and_ask(api, fx_app, fx_sms, c, staff, day)
    fx_push.clear()

    # 11:01, no answer: four drivers at once (two workers, twice each) alert once.
    move_clock_to(local(day, "11:01"))
    results = await asyncio.gather(*(run_episodes(fx_app.state, clock.now()) for _ in range(4)))
    assert sum(r["alerted"] for r in results) == 1
    check = await EpisodeCheck.select(EpisodeCheck.id).where(EpisodeCheck.state == "no_answer").first()
    rows = await wait_settled(check["id"], kind=CONTACT_KIND)
    await wait_settled(check["id"], kind=NO_ANSWER_KIND)
    assert [(r["user"], r["phone"], r["channel"], r["state"]) for r in rows] == [(None, NEIGHBOUR, "sms", "sent")]
    texts = await fx_sms.wait_for_async(3, timeout=15)  # Fanny and Victor (members), Marc (no account)
    by_number = {t.to: t for t in texts}
    assert sorted(by_number) == sorted([c.phone("fille"), c.phone("benevole"), NEIGHBOUR])
    marc = by_number[NEIGHBOUR].text
    assert "Colette Carré" in marc and "3 rue des Lilas, 45100 Bellerive" in marc and MAIRIE in marc, marc
    assert "Diab" not in marc and "insuline" not in marc and "http" not in marc  # no health notes, no app link
    assert sms_segments(marc) <= 2
    assert by_number[NEIGHBOUR].ref == str(rows[0]["id"])  # the provider's idempotency key: the delivery row
    assert await SmsSpend.select(SmsSpend.ref_kind, SmsSpend.segments).where(SmsSpend.ref_kind == CONTACT_KIND) == [
        {"ref_kind": CONTACT_KIND, "segments": sms_segments(marc)}]

    # The fan-out replayed (the outbox re-dispatch, a second worker): no second text, no second spend.
    ctx = {"queues": fx_app.state.queues, "settings": fx_settings}
    await delivery_jobs.fanout(ctx, kind=CONTACT_KIND, ref_id=check["id"])
    await asyncio.sleep(0.5)
    assert await Delivery.count().where(Delivery.kind == CONTACT_KIND) == 1
    assert len(fx_sms.messages) == 3 and LANDLINE not in {t.to for t in fx_sms.messages}
    assert (await SmsSpend.select(SmsSpend.segments).where(SmsSpend.ref_kind == CONTACT_KIND))[0]["segments"] == \
        sms_segments(marc)

    # The board: Marc texted (and when), Paul to call on his landline, Fanny alerted in the app.
    board = (await staff.get(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/board")).json()
    contacts = {x["name"]: x for x in board["rows"][0]["contacts"]}
    assert contacts["Marc Voisin"]["sms"] == "sent" and contacts["Marc Voisin"]["sms_at"]
    assert (contacts["Paul Ami"]["mobile"], contacts["Paul Ami"]["sms"]) == (False, "")
    assert contacts["Fanny Carré"]["has_account"] is True and contacts["Fanny Carré"]["sms"] == ""


async def test_a_late_answer_tells_everyone_alerted_once(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    day = tomorrow_at("08:00")
    staff, _ = await register_colette(api, c)
    await open_and_ask(api, fx_app, fx_sms, c, staff, day)
    move_clock_to(local(day, "11:01"))
    await run_episodes(fx_app.state, clock.now())
    check = await EpisodeCheck.select(EpisodeCheck.id).where(EpisodeCheck.state == "no_answer").first()
    await wait_settled(check["id"], kind=CONTACT_KIND)
    await wait_settled(check["id"], kind=NO_ANSWER_KIND)
    await fx_sms.wait_for_async(3, timeout=15)  # the three alerts
    await fx_push.wait_for_async(2, timeout=15)
    fx_sms.clear()
    fx_push.clear()

    # 11:20: Colette answers « OK » by SMS — Fanny and Victor (push + SMS, as alerted) and Marc hear it.
    move_clock_to(local(day, "11:20"))
    assert await text_vigie(api, c.phone("colette"), "OK", message_id="late_ok_1") == {"status": "register_ok"}
    rows = await wait_settled(check["id"], kind=ALL_CLEAR_KIND)
    assert sorted((r["user"] or 0, r["phone"], r["channel"], r["state"]) for r in rows) == sorted([
        (c.ids["fille"], "", "push", "sent"), (c.ids["fille"], "", "sms", "sent"),
        (c.ids["benevole"], "", "push", "sent"), (c.ids["benevole"], "", "sms", "sent"),
        (0, NEIGHBOUR, "sms", "sent")])
    texts = await fx_sms.wait_for_async(4, timeout=15)  # Colette's receipt, Fanny, Victor, Marc
    notices = [t for t in texts if t.to != c.phone("colette")]
    assert sorted(t.to for t in notices) == sorted([c.phone("fille"), c.phone("benevole"), NEIGHBOUR])
    assert all("Colette Carré a répondu" in t.text and "tout va bien" in t.text for t in notices), notices
    pushes = await fx_push.wait_for_async(2, timeout=15)
    assert all(p.json["event"] == ALL_CLEAR_KIND and "tout va bien" in p.json["title"] for p in pushes)

    # She then says she needs help in the app, and a volunteer records a call: nobody is told twice.
    colette = await api.as_user(c.email("colette"))
    r = await colette.post(f"/api/v1/register/checks/{check['id']}/answer", {"answer": "help"})
    assert r.status_code == 200 and r.json()["state"] == "help", r.text
    volunteer = await api.as_user(c.email("benevole"))
    r = await volunteer.post(f"/api/v1/register/checks/{check['id']}/call", {"result": "ok"})
    assert r.status_code == 200, r.text
    await asyncio.sleep(1.0)
    assert len(fx_sms.messages) == 4 and len(fx_push.received) == 2
    assert await Delivery.count().where(Delivery.kind == ALL_CLEAR_KIND) == 5


async def test_an_answer_after_the_alert_saying_help_says_so_and_a_failed_text_shows_on_the_board(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    c = await cast(fx_settings, fx_password_hash, fx_push)
    w = c.world
    day = tomorrow_at("08:00")
    staff, _ = await register_colette(api, c)
    fx_sms.reject_numbers.add(NEIGHBOUR)  # the provider refuses Marc's number
    try:
        episode = await open_and_ask(api, fx_app, fx_sms, c, staff, day)
        move_clock_to(local(day, "11:01"))
        await run_episodes(fx_app.state, clock.now())
        check = await EpisodeCheck.select(EpisodeCheck.id).where(EpisodeCheck.state == "no_answer").first()
        rows = await wait_settled(check["id"], kind=CONTACT_KIND)
        assert rows[0]["state"] == "failed" and "unreachable_destination" in rows[0]["reason"]
        board = (await staff.get(f"/api/v1/communes/{w.commune}/episodes/{episode['id']}/board")).json()
        marc = next(x for x in board["rows"][0]["contacts"] if x["name"] == "Marc Voisin")
        assert marc["sms"] == "failed" and "unreachable_destination" in marc["sms_reason"]
        await wait_settled(check["id"], kind=NO_ANSWER_KIND)
        await fx_sms.wait_for_async(2, timeout=15)  # Fanny and Victor; Marc refused
        fx_sms.clear()
        # An agent reaches her: she needs help. Those alerted hear it; Marc's text had failed: not him.
        r = await staff.post(f"/api/v1/register/checks/{check['id']}/call", {"result": "help", "note": "Malaise"})
        assert r.status_code == 200, r.text
        rows = await wait_settled(check["id"], kind=ALL_CLEAR_KIND)
        assert {r["phone"] for r in rows} == {""}
        texts = await fx_sms.wait_for_async(2, timeout=15)
        assert sorted(t.to for t in texts) == sorted([c.phone("fille"), c.phone("benevole")])
        assert all("a besoin d'aide" in t.text for t in texts)
    finally:
        fx_sms.reject_numbers.discard(NEIGHBOUR)


def test_the_contacts_sms_stays_within_two_segments_and_keeps_who_and_the_mairie_number_when_cut():
    from backend.register.notify import _contact_sms

    row = {"entry.first_name": "Marie-Thérèse", "entry.last_name": "de La Rochefoucauld-Montbazon",
           "entry.commune.name": "Saint-Rémy-de-Provence", "episode.callback_phone": "+33490920000",
           "episode.kind": "grand_froid",
           "entry.address": "Résidence « Les Oliviers », bâtiment C, escalier 2, 3e étage, porte gauche, "
                            "14 avenue du Maréchal de Lattre de Tassigny, 13210 Saint-Rémy-de-Provence"}
    text = _contact_sms(row)
    assert sms_segments(text) <= 2, (sms_segments(text), text)
    assert "Marie-Thérèse de La Rochefoucauld-Montbazon" in text and "04 90 92 00 00" in text and "112" in text
    assert "Adresse : R" in text and text.endswith("...")  # the address, cut last
    assert "la personne à prévenir" in text and "Prenez de ses nouvelles" in text
    assert "Oliviers" in text and "Mairie de Saint-Rémy-de-Provence (grand froid)" in text
