"""Commune-wide broadcasts: audience, channels by severity, quiet hours, scheduling, budget, follow-ups."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from backend.audit.tables import AuditEntry
from backend.delivery.tables import Delivery, Outbox
from backend.lib import clock
from backend.mairie.tables import Broadcast, SmsSpend
from backend.mairie.notify import BROADCAST_KIND
from tests.alerts.helpers import wait_settled
from tests.mairie.helpers import BROADCAST, town


def by_user(rows, channel):
    return {r["user"]: r["state"] for r in rows if r["channel"] == channel}


async def test_vigilance_reaches_every_member_of_each_community_once_on_push_and_email(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    r = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts", BROADCAST)
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["status"] == "sent" and b["channels"] == ["push", "email"] and b["all_communities"]
    assert b["community_ids"] == sorted([t.world.community, t.world.sibling])
    rows = await wait_settled(b["id"], kind=BROADCAST_KIND)

    quiet, no_email = t.residents["tilleul2"], t.residents["bourg0"]
    with_device = {uid for name, uid in t.residents.items() if not name.startswith("montval")}
    push_expected = with_device - {quiet}
    email_expected = t.audience - {quiet, no_email}
    pushes = await fx_push.wait_for_async(len(push_expected), timeout=20)
    mails = await fx_mail.wait_for_async(len(email_expected), timeout=20)
    # Exactly once per person and channel, and nobody outside the commune's two communities.
    assert {u for u, _ in Counter((r["user"], r["channel"]) for r in rows)} == t.audience
    assert set(Counter((r["user"], r["channel"]) for r in rows).values()) == {1}
    assert {u for u, s in by_user(rows, "push").items() if s == "sent"} == push_expected
    assert by_user(rows, "push")[quiet] == "skipped" and by_user(rows, "email")[no_email] == "skipped"
    assert {u for u, s in by_user(rows, "email").items() if s == "sent"} == email_expected
    assert not [r for r in rows if r["channel"] == "sms"] and not fx_sms.messages
    assert len(pushes) == len(push_expected) and all(p.json["event"] == "mairie_broadcast" for p in pushes)
    assert pushes[0].json["title"] == "Mairie de Bellerive-sur-Loire : Crue de la Loire"
    assert pushes[0].json["url"] == f"/#/mairie/{b['id']}" and pushes[0].urgency == "normal"
    assert Counter(m.rcpt_tos[0] for m in mails) == Counter({t.world.email(r): 1 for r in ("member", "referent",
                                                             "other_member")} | {
        t.emails[u]: 1 for u in email_expected if u in t.emails})
    text = mails[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "La mairie de Bellerive-sur-Loire informe les habitants (Vigilance, Inondation)" in text
    # Staff see the reach per channel.
    detail = (await staff.get(f"/api/v1/communes/{t.world.commune}/broadcasts/{b['id']}")).json()
    assert detail["delivery"]["push"]["sent"] == len(push_expected)
    assert detail["delivery"]["email"]["sent"] == len(email_expected)
    # Members read it; it is listed in their community's mairie feed.
    member = await api.as_user(t.world.email("other_member"))
    feed = (await member.get(f"/api/v1/communities/{t.world.sibling}/broadcasts")).json()
    assert [x["id"] for x in feed] == [b["id"]] and feed[0]["author"] is None and feed[0]["delivery"] is None
    assert (await api().get(f"/api/v1/broadcasts/{b['id']}")).json()["title"] == "Crue de la Loire"
    entry = await AuditEntry.select().where(AuditEntry.action == "broadcast.send").first()
    assert entry["actor"] == t.world.users["staff"] and entry["target"] == f"broadcast:{b['id']}"


async def test_urgence_breaks_quiet_hours_and_forces_push_sms_and_email(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    r = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                         {**BROADCAST, "severity": "urgence", "title": "Évacuation du quai"})
    assert r.status_code == 201 and r.json()["channels"] == ["push", "sms", "email"]
    rows = await wait_settled(r.json()["id"], kind=BROADCAST_KIND)
    with_device = {uid for name, uid in t.residents.items() if not name.startswith("montval")}
    pushes = await fx_push.wait_for_async(len(with_device), timeout=20)
    texts = await fx_sms.wait_for_async(len(t.audience), timeout=20)
    await fx_mail.wait_for_async(len(t.audience), timeout=20)
    # Quiet hours and channel choices give way: everyone with a phone gets the SMS, once.
    assert Counter(m.to for m in texts) == Counter({p: 1 for u, p in t.phones.items() if u in t.audience})
    assert all(m.text.startswith("MAIRIE Bellerive-sur-Loire - URGENCE : ") for m in texts), texts[0].text
    assert all(f"/#/mairie/{r.json()['id']}" in m.text for m in texts)
    assert {u for u, s in by_user(rows, "push").items() if s == "sent"} == with_device
    assert set(by_user(rows, "email").values()) == {"sent"} and set(by_user(rows, "sms").values()) == {"sent"}
    assert all(p.urgency == "high" for p in pushes)
    # The SMS actually queued are what the month's budget counts.
    spend = await SmsSpend.select().first()
    assert spend["reserved"] is False and spend["segments"] == len(t.audience) * r.json()["sms_estimate"] // len(
        t.audience)


async def test_information_goes_to_push_and_the_gazette_of_chosen_communities_only(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_mail):
    from backend.mairie.broadcasts import gazette_broadcasts

    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    r = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                         {**BROADCAST, "severity": "information", "category": "evenement", "title": "Marché de Noël",
                          "community_ids": [t.world.sibling]})
    assert r.status_code == 201 and r.json()["channels"] == ["push", "gazette"] and not r.json()["all_communities"]
    rows = await wait_settled(r.json()["id"], kind=BROADCAST_KIND)
    assert {r["user"] for r in rows} == {t.world.users["other_member"], t.residents["tilleul0"],
                                         t.residents["bourg0"], t.residents["bourg1"], t.residents["bourg2"]}
    assert [b.id for b in await gazette_broadcasts(t.world.sibling)] == [r.json()["id"]]
    assert await gazette_broadcasts(t.world.community) == []
    member = await api.as_user(t.world.email("member"))
    assert (await member.get(f"/api/v1/communities/{t.world.community}/broadcasts")).json() == []
    assert (await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                             {**BROADCAST, "community_ids": [t.world.foreign]})).json()["code"] == "invalid_communities"
    assert not fx_mail.messages


async def test_scheduled_broadcast_leaves_when_the_clock_reaches_it(api, fx_app, fx_settings, fx_password_hash,
                                                                    fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    at = (clock.now() + timedelta(hours=2)).isoformat()
    r = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                         {**BROADCAST, "severity": "information", "scheduled_at": at})
    assert r.status_code == 201 and r.json()["status"] == "scheduled" and r.json()["sent_at"] is None
    bid = r.json()["id"]
    edited = await staff.patch(f"/api/v1/communes/{t.world.commune}/broadcasts/{bid}", {"title": "Crue : point à 18 h"})
    assert edited.status_code == 200 and edited.json()["title"] == "Crue : point à 18 h"
    other = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts", {**BROADCAST, "scheduled_at": at})
    cancelled = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts/{other.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    past = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                            {**BROADCAST, "scheduled_at": (clock.now() - timedelta(minutes=1)).isoformat()})
    assert past.status_code == 400 and past.json()["code"] == "schedule_in_past"
    await fx_push.wait_for_async(0)
    assert await Delivery.count() == 0 and await Outbox.count() == 0
    assert (await api().get(f"/api/v1/broadcasts/{bid}")).status_code == 404  # not public before it leaves

    clock.advance(timedelta(hours=2, minutes=1))
    rows = await wait_settled(bid, kind=BROADCAST_KIND)
    assert {r["user"] for r in rows} == t.audience
    assert (await Broadcast.select(Broadcast.status).where(Broadcast.id == bid).first())["status"] == "sent"
    pushes = await fx_push.wait_for_async(6, timeout=20)  # 7 devices in the area, tilleul2 in quiet hours
    assert {p.json["title"] for p in pushes} == {"Mairie de Bellerive-sur-Loire : Crue : point à 18 h"}
    assert await Delivery.count().where(Delivery.ref_id == other.json()["id"]) == 0
    late = await staff.patch(f"/api/v1/communes/{t.world.commune}/broadcasts/{bid}", {"title": "Trop tard"})
    assert late.status_code == 409 and late.json()["code"] == "broadcast_not_scheduled"
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions == ["broadcast.schedule", "broadcast.edit", "broadcast.schedule", "broadcast.cancel"]


async def test_sms_estimate_then_monthly_budget_refusal_with_nothing_written(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    admin = await api.as_user(t.world.email("admin"))
    urgent = {**BROADCAST, "severity": "urgence"}
    preview = (await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts/preview", urgent)).json()
    people = len(t.audience)
    assert preview["recipients"] == people and preview["by_channel"]["sms"] == people
    assert preview["sms_segments"] in (1, 2) and preview["sms_total"] == people * preview["sms_segments"]
    assert preview["budget"]["monthly_budget"] == 0 and preview["within_budget"] is True

    assert (await staff.put(f"/api/v1/communes/{t.world.commune}/sms-budget", {"monthly_budget": 5})).status_code == 403
    r = await admin.put(f"/api/v1/communes/{t.world.commune}/sms-budget", {"monthly_budget": preview["sms_total"] + 3})
    assert r.status_code == 200 and r.json()["remaining"] == preview["sms_total"] + 3
    sent = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts", urgent)
    assert sent.status_code == 201
    await wait_settled(sent.json()["id"], kind=BROADCAST_KIND)
    texts = await fx_sms.wait_for_async(people, timeout=20)
    budget = (await staff.get(f"/api/v1/communes/{t.world.commune}/sms-budget")).json()
    from backend.delivery.channels.sms import sms_segments

    assert budget["used"] == sum(sms_segments(m.text) for m in texts) and budget["remaining"] == 3

    again = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts", urgent)
    assert again.status_code == 409 and again.json()["code"] == "sms_budget_exceeded"
    assert again.json()["detail"].startswith("Budget SMS dépassé : cet envoi demande")
    assert await Broadcast.count() == 1 and await Outbox.count().where(Outbox.kind == BROADCAST_KIND) == 1
    check = (await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts/preview", urgent)).json()
    assert check["within_budget"] is False
    # Without SMS the same broadcast goes.
    ok = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts", {**urgent, "channels": ["push"]})
    assert ok.status_code == 201
    log = [(r["action"], r["details"]) for r in await AuditEntry.select().order_by(AuditEntry.id)]
    assert log[0][0] == "sms_budget.update" and '"after": %d' % (preview["sms_total"] + 3) in log[0][1]


async def test_update_and_end_of_alert_follow_the_original_to_the_same_area(api, fx_app, fx_settings,
                                                                             fx_password_hash, fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    base = f"/api/v1/communes/{t.world.commune}/broadcasts"
    original = (await staff.post(base, {**BROADCAST, "community_ids": [t.world.community]})).json()
    await wait_settled(original["id"], kind=BROADCAST_KIND)
    update = await staff.post(f"{base}/{original['id']}/followups", {"kind": "update", "body": "Le pic est attendu à 18 h."})
    assert update.status_code == 201
    u = update.json()
    assert u["parent_id"] == original["id"] and u["followup"] == "update" and u["title"] == "Mise à jour : Crue de la Loire"
    assert u["channels"] == ["push", "gazette"] and u["community_ids"] == [t.world.community]
    end = (await staff.post(f"{base}/{u['id']}/followups", {"kind": "end", "body": "La décrue est amorcée."})).json()
    assert end["parent_id"] == original["id"] and end["severity"] == "information"
    assert end["title"] == "Fin d'alerte : Crue de la Loire"
    rows = await wait_settled(end["id"], kind=BROADCAST_KIND)
    assert {r["user"] for r in rows} == await_members(t)
    assert (await staff.get(f"{base}/{original['id']}")).json()["ended_at"] is not None
    twice = await staff.post(f"{base}/{original['id']}/followups", {"kind": "end", "body": "Encore."})
    assert twice.status_code == 409 and twice.json()["code"] == "broadcast_ended"
    pushes = await fx_push.wait_for_async(3 * 3, timeout=20)  # tilleul0, 1, 3 have devices and no quiet hours
    assert {p.json["tag"] for p in pushes} == {f"mairie-{original['id']}"}  # follow-ups replace the notification


def await_members(t) -> set[int]:
    w = t.world
    return {w.users["member"], w.users["referent"]} | {t.residents[f"tilleul{i}"] for i in range(4)}
