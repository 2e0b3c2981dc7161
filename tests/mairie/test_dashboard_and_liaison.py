"""Dashboard figures equal counts made directly; forwarded alerts acknowledged with a note the
author reads; police contact; signage orders; the audit log and its export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta

from backend.alerts.tables import Alert
from backend.communities.tables import Membership
from backend.delivery.service import LOCAL_TZ
from backend.lib import clock
from backend.mairie.notify import ACK_KIND, BROADCAST_KIND
from backend.verification.tables import ActivationLetter
from tests.alerts.helpers import ALERT, idem, wait_settled
from tests.mairie.helpers import BROADCAST, town


def read_csv(body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


async def test_dashboard_figures_equal_direct_counts_and_export_as_csv(api, fx_app, fx_settings, fx_password_hash,
                                                                        fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    member = await api.as_user(w.email("member"))
    for extra in ({}, {"category": "fire_smoke", "notify_police": True}, {"notify_mairie": True}):
        assert (await member.post(f"/api/v1/communities/{w.community}/alerts", {**ALERT, **extra},
                                  headers=idem())).status_code == 201
    old = await Alert.insert(Alert(community=w.sibling, author=w.users["other_member"], category="other", title="Ancienne",
                                   body="…", created_at=clock.now() - timedelta(days=40))).returning(Alert.id)
    staff = await api.as_user(w.email("staff"))
    b = (await staff.post(f"/api/v1/communes/{w.commune}/broadcasts", BROADCAST)).json()
    await wait_settled(b["id"], kind=BROADCAST_KIND)
    check = (await staff.post(f"/api/v1/communes/{w.commune}/safety-checks", {"channels": ["push"]})).json()
    await (await api.as_user(w.email("referent"))).post(f"/api/v1/safety-checks/{check['id']}/answer", {"answer": "help"})

    r = await staff.get(f"/api/v1/communes/{w.commune}/dashboard")
    assert r.status_code == 200
    d = r.json()
    # Members and verified members, sign-ups and pending letters, counted directly.
    memberships = await Membership.select(Membership.community, Membership.status)
    letters = await ActivationLetter.select(ActivationLetter.membership.community).where(
        ActivationLetter.redeemed_at.is_null() & ActivationLetter.voided_at.is_null())
    expected = {c: (sum(1 for m in memberships if m["community"] == c),
                    sum(1 for m in memberships if m["community"] == c and m["status"] == "active"),
                    sum(1 for x in letters if x["membership.community"] == c)) for c in (w.community, w.sibling)}
    got = {c["community_id"]: (c["members"], c["verified_members"], c["pending_letters"]) for c in d["communities"]}
    assert got == expected and all(c["signups_30d"] == c["members"] for c in d["communities"])
    # Alerts per day and category over 30 days (the 40-day-old one left out).
    alerts = await Alert.select(Alert.created_at, Alert.category, Alert.community.commune)
    window = clock.now() - timedelta(days=29)
    direct = Counter((a["created_at"].astimezone(LOCAL_TZ).date().isoformat(), a["category"]) for a in alerts
                     if a["community.commune"] == w.commune and a["created_at"] >= window)
    assert {(x["day"], x["category"]): x["count"] for x in d["alerts_per_day"]} == dict(direct)
    assert sum(direct.values()) == 4 and old
    # Forwarded alerts awaiting acknowledgement: the world's one and the two flagged here.
    flagged = await Alert.select(Alert.id).where((Alert.notify_mairie == True) | (Alert.notify_police == True))  # noqa: E712
    assert {x["alert_id"] for x in d["forwarded_awaiting"]} == {a["id"] for a in flagged} and len(flagged) == 3
    # Reach per channel of the broadcast, as the delivery records say.
    from backend.delivery.tables import Delivery

    rows = await Delivery.select(Delivery.channel, Delivery.state, Delivery.received_at).where(
        Delivery.kind == BROADCAST_KIND)
    reach = {x["channel"]: x for x in d["broadcast_reach"] if x["broadcast_id"] == b["id"]}
    for channel in ("push", "email"):
        assert reach[channel]["sent"] == sum(1 for r in rows if r["channel"] == channel and r["state"] == "sent")
        assert reach[channel]["skipped"] == sum(1 for r in rows if r["channel"] == channel and r["state"] == "skipped")
    assert [(s["check_id"], s["help"], s["pending"]) for s in d["safety_checks"]] == [(check["id"], 1, len(t.audience) - 1)]
    assert d["sms_budget"]["monthly_budget"] == 0
    # Each table as CSV, same figures.
    export = await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": "communities"})
    assert export.headers["content-type"].startswith("text/csv")
    assert {int(r["n° du quartier"]): int(r["membres vérifiés"]) for r in read_csv(export.content)} == {
        c: v[1] for c, v in expected.items()}
    for table in ("alerts_per_day", "forwarded_awaiting", "broadcast_reach", "safety_checks"):
        rows_csv = read_csv((await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": table})).content)
        assert len(rows_csv) == len(d[table])
    bad = await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": "secrets"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_table"
    other = await api.as_user(w.email("other_staff"))
    assert (await other.get(f"/api/v1/communes/{w.commune}/dashboard")).status_code == 403


async def test_staff_acknowledge_a_forwarded_alert_and_the_author_reads_the_note(api, fx_app, fx_password_hash,
                                                                                  fx_settings, fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    author = await api.as_user("tilleul0@test.vigie.fr")
    alert = (await author.post(f"/api/v1/communities/{w.community}/alerts", {**ALERT, "notify_police": True},
                               headers=idem())).json()
    staff = await api.as_user(w.email("staff"))
    inbox = (await staff.get(f"/api/v1/communes/{w.commune}/inbox?state=awaiting")).json()
    assert {i["alert"]["id"] for i in inbox} == {w.alert, alert["id"]}
    r = await staff.post(f"/api/v1/communes/{w.commune}/forwarded-alerts/{alert['id']}/acknowledge",
                         {"note": "La gendarmerie est prévenue et passera ce soir."})
    assert r.status_code == 201 and r.json()["by"] == "Staff Test (mairie)"
    again = await staff.post(f"/api/v1/communes/{w.commune}/forwarded-alerts/{alert['id']}/acknowledge", {"note": "x"})
    assert again.status_code == 409
    seen = (await author.get(f"/api/v1/alerts/{alert['id']}/acknowledgement")).json()
    assert seen["acknowledged"] and seen["note"] == "La gendarmerie est prévenue et passera ce soir."
    neighbour = await api.as_user(w.email("referent"))
    assert (await neighbour.get(f"/api/v1/alerts/{alert['id']}/acknowledgement")).status_code == 403
    await wait_settled(r.json()["alert_id"], kind="alert")
    rows = await wait_settled((await _ack_id(alert["id"])), kind=ACK_KIND)
    assert [(r["user"], r["channel"], r["state"]) for r in rows] == [(t.residents["tilleul0"], "push", "sent")]
    assert [i["alert"]["id"] for i in (await staff.get(f"/api/v1/communes/{w.commune}/inbox?state=acknowledged")).json()] \
        == [alert["id"]]
    unflagged = (await author.post(f"/api/v1/communities/{w.community}/alerts", ALERT, headers=idem())).json()
    assert (await staff.post(f"/api/v1/communes/{w.commune}/forwarded-alerts/{unflagged['id']}/acknowledge",
                             {})).status_code == 404
    other = await api.as_user(w.email("other_staff"))
    assert (await other.post(f"/api/v1/communes/{w.commune}/forwarded-alerts/{w.alert}/acknowledge", {})).status_code == 403

    # The police contact, edited by staff, is who receives alerts flagged « police ».
    assert (await staff.put(f"/api/v1/communes/{w.commune}/police-contact", {"police_email": "pas-une-adresse"})
            ).status_code == 400
    r = await staff.put(f"/api/v1/communes/{w.commune}/police-contact", {"police_email": "brigade@gendarmerie.test"})
    assert r.json() == {"police_email": "brigade@gendarmerie.test"}
    assert (await other.get(f"/api/v1/communes/{w.commune}/police-contact")).status_code == 403


async def _ack_id(alert_id: int) -> int:
    from backend.mairie.tables import Acknowledgement

    return (await Acknowledgement.select(Acknowledgement.id).where(Acknowledgement.alert == alert_id).first())["id"]


async def test_signage_order_followed_by_the_referent_and_every_action_in_the_audit_log(api, fx_app, fx_password_hash):
    from tests.builders import build_world

    w = await build_world(fx_password_hash)
    referent = await api.as_user(w.email("referent"))
    staff = await api.as_user(w.email("staff"))
    admin = await api.as_user(w.email("admin"))
    order = {"model": "panneau_rue", "quantity": 4, "delivery_address": "Mairie, 1 place de l'Église", "subsidised": True}
    r = await referent.post(f"/api/v1/communities/{w.community}/signage-orders", order)
    assert r.status_code == 201 and r.json()["status"] == "requested" and r.json()["community_name"] == "Les Tilleuls"
    oid = r.json()["id"]
    assert (await referent.post(f"/api/v1/communities/{w.community}/signage-orders", {**order, "quantity": 0})
            ).json()["code"] == "invalid_quantity"
    member = await api.as_user(w.email("member"))
    assert (await member.get(f"/api/v1/communities/{w.community}/signage-orders")).status_code == 403
    decided = await staff.post(f"/api/v1/communes/{w.commune}/signage-orders/{oid}/decision",
                               {"decision": "approve", "subsidised": False, "note": "Financés par le quartier."})
    assert decided.json()["status"] == "approved" and decided.json()["subsidised"] is False
    assert (await staff.post(f"/api/v1/communes/{w.commune}/signage-orders/{oid}/decision",
                             {"decision": "decline"})).status_code == 409
    await staff.post(f"/api/v1/communes/{w.commune}/signage-orders/{oid}/decision", {"decision": "deliver"})
    followed = (await referent.get(f"/api/v1/communities/{w.community}/signage-orders")).json()
    assert [(o["id"], o["status"], o["decision_note"]) for o in followed] == [(oid, "delivered", "Financés par le quartier.")]

    # Moderation and role changes are audited too.
    moderator = await api.as_user(w.email("moderator"))
    await moderator.post(f"/api/v1/moderation/alerts/{w.alert}", {"action": "hide", "reason": "Doublon"})
    await staff.post(f"/api/v1/communities/{w.community}/referents", {"user_id": w.users["member"]})
    await admin.post("/api/v1/admin/moderators", {"user_id": w.users["other_member"]})
    await admin.post(f"/api/v1/communes/{w.commune}/staff", {"user_id": w.users["referent"]})
    page = (await admin.get("/api/v1/audit")).json()
    actions = [(e["action"], e["actor_name"], e["target"]) for e in reversed(page["items"])]
    assert actions == [
        ("signage.order", "Referent Test", f"signage:{oid}"), ("signage.approve", "Staff Test", f"signage:{oid}"),
        ("signage.deliver", "Staff Test", f"signage:{oid}"), ("moderation.hide", "Moderator Test", f"alert:{w.alert}"),
        ("role.referent", "Staff Test", f"user:{w.users['member']}"),
        ("role.moderator", "Admin Test", f"user:{w.users['other_member']}"),
        ("role.staff", "Admin Test", f"user:{w.users['referent']}"),
    ]
    assert page["items"][3]["details"] == {"reason": "Doublon"} and page["items"][3]["commune_id"] == w.commune
    only = (await admin.get("/api/v1/audit", params={"action": "signage."})).json()["items"]
    assert len(only) == 3
    exported = read_csv((await admin.get("/api/v1/audit.csv")).content)
    assert [r["action"] for r in reversed(exported)] == [a for a, _, _ in actions]
    assert (await staff.get("/api/v1/audit")).status_code == 403
