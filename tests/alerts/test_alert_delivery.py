"""An alert reaches every member on the channels they chose, exactly once, with a record per channel."""

from __future__ import annotations

from collections import Counter

from backend.alerts.tables import Alert
from backend.delivery.schemas import Preferences
from backend.delivery.tables import Delivery, Outbox, PushSubscription
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled


def mixed(i: int) -> Preferences:
    return Preferences(push=i % 5 != 0, email=i % 2 == 0, sms=i % 3 == 0)


async def test_alert_reaches_fifty_members_on_their_chosen_channels_exactly_once(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 50, prefs_for=mixed,
                               devices_for=lambda i: 2 if i % 10 == 1 else (0 if i == 7 else 1))
    author = await api.as_user("auteur@test.vigie.fr")
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]

    push_users, email_users, sms_users = hood.expected("push"), hood.expected("email"), hood.expected("sms")
    devices = sum(len(hood.subs[u]) for u in push_users)
    pushes = await fx_push.wait_for_async(devices, timeout=30)
    mails = await fx_mail.wait_for_async(len(email_users), timeout=30)
    texts = await fx_sms.wait_for_async(len(sms_users), timeout=30)
    rows = await wait_settled(alert_id)

    # Push: every device of every push member once, decrypted, VAPID-checked by the receiver.
    by_sub = Counter(p.subscription_id for p in pushes)
    expected_subs = {fx_push.subscription_id(s) for u in push_users for s in hood.subs[u]}
    assert set(by_sub) == expected_subs and set(by_sub.values()) == {1}
    for p in pushes:
        assert p.json["event"] == "alert" and p.json["alert_id"] == alert_id
        assert p.json["title"] == "Véhicule suspect — Camionnette blanche"
        assert p.json["url"] == f"/#/alertes/{alert_id}" and p.json["tag"] == f"alert-{alert_id}"
        assert p.urgency == "normal" and p.ttl == 86400 and len(p.payload) < 3000
    # E-mail: one per member who chose it, French, with the link and an unsubscribe link.
    assert Counter(m.rcpt_tos[0] for m in mails) == Counter({hood.emails[u]: 1 for u in email_users})
    text = mails[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "Nouvelle alerte dans le quartier Les Tilleuls" in text and f"/#/alertes/{alert_id}" in text
    assert "/api/v1/email/unsubscribe?token=" in text and mails[0].message["List-Unsubscribe"]
    assert mails[0].message.get_body(preferencelist=("html",)) is not None
    # SMS: one per member who chose it, at most two segments, with the link.
    assert Counter(t.to for t in texts) == Counter({hood.phones[u]: 1 for u in sms_users})
    assert all(f"/#/alertes/{alert_id}" in t.text and t.sender == "VIGIE" for t in texts)

    # The records match what was received.
    state = {(r["user"], r["channel"]): r["state"] for r in rows}
    assert len(rows) == 3 * 50  # one row per member and channel, the author excluded
    for uid in hood.members:
        assert state[(uid, "push")] == ("sent" if uid in push_users else "skipped")
        assert state[(uid, "email")] == ("sent" if uid in email_users else "skipped")
        assert state[(uid, "sms")] == ("sent" if uid in sms_users else "skipped")
    no_device = hood.members[7]
    assert next(r["reason"] for r in rows if r["user"] == no_device and r["channel"] == "push") == "aucun appareil abonné"

    # The author sees counts per channel; a member sees only their own rows.
    detail = (await author.get(f"/api/v1/alerts/{alert_id}")).json()
    assert detail["delivery"]["push"]["sent"] == len(push_users)
    assert detail["delivery"]["email"]["sent"] == len(email_users)
    assert detail["delivery"]["sms"]["sent"] == len(sms_users)
    assert detail["delivery"]["sms"]["skipped"] == 50 - len(sms_users)
    member = await api.as_user(hood.emails[hood.members[0]])
    mine = (await member.get(f"/api/v1/alerts/{alert_id}")).json()["delivery"]
    assert set(mine) == {"mine"} and {d["channel"] for d in mine["mine"]} == {"push", "email", "sms"}
    assert (await Outbox.select(Outbox.completed_at).first())["completed_at"] is not None


async def test_replaying_an_alert_with_the_same_key_creates_nothing(api, fx_app, fx_settings, fx_password_hash, fx_push):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 2)
    author = await api.as_user("auteur@test.vigie.fr")
    headers = idem()
    first = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=headers)
    again = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert await Alert.count() == 1
    await wait_settled(first.json()["id"])
    assert await Delivery.count().where(Delivery.channel == "push") == 2
    missing = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT)
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"


async def test_bad_alert_is_refused_in_french_and_changes_nothing(api, fx_app, fx_settings, fx_password_hash, fx_push):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    author = await api.as_user("auteur@test.vigie.fr")
    for body, code in [({**ALERT, "category": "ovni"}, "invalid_category"), ({**ALERT, "title": "x"}, "invalid_title"),
                       ({**ALERT, "body": " "}, "invalid_body"), ({**ALERT, "place": "x" * 201}, "invalid_place")]:
        r = await author.post(f"/api/v1/communities/{hood.community}/alerts", body, headers=idem())
        assert r.status_code == 400 and r.json()["code"] == code, r.text
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", {"title": 3}, headers=idem())
    assert r.status_code == 400 and r.json()["detail"].startswith("Données invalides")
    assert await Alert.count() == 0 and await Outbox.count() == 0


async def test_alerts_per_member_are_rate_limited(api, fx_app_factory, fx_delivery_overrides, fx_settings,
                                                  fx_password_hash, fx_push):
    from tests.conftest import Api

    app = await fx_app_factory(**fx_delivery_overrides, alerts_per_hour=2)
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    author = Api(app)
    await author.login("auteur@test.vigie.fr")
    url = f"/api/v1/communities/{hood.community}/alerts"
    keys = [idem(), idem()]
    for headers in keys:
        assert (await author.post(url, ALERT, headers=headers)).status_code == 201
    third = await author.post(url, ALERT, headers=idem())
    assert third.status_code == 429 and "17" in third.json()["detail"]
    replay = await author.post(url, ALERT, headers=keys[0])  # an offline replay still gets its answer
    assert replay.status_code == 200
    assert await Alert.count() == 2
    await author.aclose()


async def test_expired_push_subscription_is_deleted(api, fx_app, fx_settings, fx_password_hash, fx_push):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 2, behaviour_for=lambda i: "gone" if i == 0 else None)
    author = await api.as_user("auteur@test.vigie.fr")
    alert_id = (await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())).json()["id"]
    rows = await wait_settled(alert_id)
    push = {r["user"]: r for r in rows if r["channel"] == "push"}
    assert push[hood.members[0]]["state"] == "failed" and push[hood.members[0]]["reason"] == "abonnement expiré"
    assert push[hood.members[1]]["state"] == "sent"
    assert await PushSubscription.count().where(PushSubscription.user == hood.members[0]) == 0
    assert await PushSubscription.count().where(PushSubscription.user == hood.members[1]) == 1


async def test_push_service_503_then_201_ends_as_sent(api, fx_app, fx_settings, fx_password_hash, fx_push):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 1, behaviour_for=lambda i: [503, 503, 201])
    author = await api.as_user("auteur@test.vigie.fr")
    alert_id = (await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())).json()["id"]
    rows = await wait_settled(alert_id)
    push = next(r for r in rows if r["channel"] == "push")
    assert push["state"] == "sent" and push["attempts"] == 3
    assert len(fx_push.received) == 1
    assert [a.status for a in fx_push.attempts] == [503, 503, 201]


async def test_smtp_down_for_a_while_ends_as_sent(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_mail):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 3)
    author = await api.as_user("auteur@test.vigie.fr")
    fx_mail.refuse_with = 421
    try:
        alert_id = (await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())).json()["id"]
        import asyncio

        for _ in range(100):  # wait until a first attempt failed and was put back
            rows = await Delivery.select().where((Delivery.channel == "email") & (Delivery.attempts >= 1))
            if len(rows) == 3 and all(r["state"] == "queued" for r in rows):
                break
            await asyncio.sleep(0.05)
        assert all(r["reason"].startswith("nouvel essai") for r in rows)
    finally:
        fx_mail.refuse_with = None
    mails = await fx_mail.wait_for_async(3, timeout=20)
    rows = await wait_settled(alert_id)
    assert Counter(m.rcpt_tos[0] for m in mails) == Counter(hood.emails.values())
    assert all(r["state"] == "sent" for r in rows if r["channel"] == "email")


async def test_push_subscription_to_a_non_push_service_is_refused(api, fx_app, fx_settings, fx_password_hash):
    from backend.demo import make_user

    await make_user("x@test.vigie.fr", "X", "Y", password_hash=fx_password_hash)
    client = await api.as_user("x@test.vigie.fr")
    keys = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}
    for endpoint in ["http://169.254.169.254/latest/meta-data", "https://evil.example/push/1",
                     "https://fcm.googleapis.com.evil.com/x", "https://user@fcm.googleapis.com/x",
                     "file:///etc/passwd", "https://127.0.0.1/x"]:
        r = await client.post("/api/v1/push/subscriptions", {"endpoint": endpoint, "keys": keys})
        assert r.status_code == 400 and r.json()["code"] == "push_endpoint_not_allowed", endpoint
    assert await PushSubscription.count() == 0
    ok = await client.post("/api/v1/push/subscriptions", {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": keys})
    assert ok.status_code == 201
    listed = (await client.get("/api/v1/push/subscriptions")).json()
    assert [s["id"] for s in listed] == [ok.json()["id"]]


async def test_quiet_hours_hold_back_ordinary_alerts_but_not_urgent_ones(api, fx_app, fx_settings, fx_password_hash, fx_push):
    from datetime import datetime, timedelta

    from backend.delivery.service import LOCAL_TZ

    now = datetime.now(LOCAL_TZ)
    start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=1)).strftime("%H:%M")
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 2, prefs_for=lambda i: Preferences(
        quiet_start=start, quiet_end=end) if i == 0 else Preferences())
    author = await api.as_user("auteur@test.vigie.fr")
    quiet, awake = hood.members
    ordinary = (await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())).json()["id"]
    rows = await wait_settled(ordinary)
    assert {r["state"] for r in rows if r["user"] == quiet} == {"skipped"}
    assert {r["reason"] for r in rows if r["user"] == quiet and r["channel"] == "push"} == {"heures calmes"}
    assert next(r for r in rows if r["user"] == awake and r["channel"] == "push")["state"] == "sent"
    fire = {**ALERT, "category": "fire_smoke", "title": "Fumée au 12"}
    urgent = (await author.post(f"/api/v1/communities/{hood.community}/alerts", fire, headers=idem())).json()["id"]
    rows = await wait_settled(urgent)
    assert next(r for r in rows if r["user"] == quiet and r["channel"] == "push")["state"] == "sent"
    urgent_push = [p for p in fx_push.received if p.json["alert_id"] == urgent]
    assert urgent_push and all(p.urgency == "high" for p in urgent_push)


async def test_receipts_mark_received_and_opened(api, fx_app, fx_settings, fx_password_hash, fx_push):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 2)
    author = await api.as_user("auteur@test.vigie.fr")
    alert_id = (await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())).json()["id"]
    pushes = await fx_push.wait_for_async(2, timeout=10)
    await wait_settled(alert_id)
    mine = next(p for p in pushes if p.subscription_id == fx_push.subscription_id(hood.subs[hood.members[0]][0]))
    member = await api.as_user(hood.emails[hood.members[0]])
    other = await api.as_user(hood.emails[hood.members[1]])
    delivery_id = mine.json["delivery_id"]
    assert (await other.post(f"/api/v1/deliveries/{delivery_id}/receipt", {"event": "received"})).status_code == 404
    assert (await member.post(f"/api/v1/deliveries/{delivery_id}/receipt", {"event": "received"})).status_code == 204
    assert (await member.post(f"/api/v1/deliveries/{delivery_id}/receipt", {"event": "opened"})).status_code == 204
    assert (await member.post(f"/api/v1/deliveries/{delivery_id}/receipt", {"event": "lu"})).status_code == 400
    push = (await author.get(f"/api/v1/alerts/{alert_id}")).json()["delivery"]["push"]
    assert push["received"] == 1 and push["opened"] == 1 and push["sent"] == 2


async def test_author_resolves_and_a_push_only_follow_up_goes_out(api, fx_app, fx_settings, fx_password_hash, fx_push,
                                                                   fx_mail):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 2)
    author = await api.as_user("auteur@test.vigie.fr")
    alert_id = (await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())).json()["id"]
    await wait_settled(alert_id)
    neighbour = await api.as_user(hood.emails[hood.members[0]])
    assert (await neighbour.post(f"/api/v1/alerts/{alert_id}/resolve", {"resolution": "resolved"})).status_code == 403
    r = await author.post(f"/api/v1/alerts/{alert_id}/resolve", {"resolution": "false_alarm"})
    assert r.status_code == 200 and r.json()["resolution"] == "false_alarm"
    rows = await wait_settled(alert_id, kind="alert_followup")
    assert {r["channel"] for r in rows} == {"push"} and {r["state"] for r in rows} == {"sent"}
    followups = [p for p in await fx_push.wait_for_async(4, timeout=10) if p.json["event"] == "alert_followup"]
    assert len(followups) == 2 and followups[0].json["title"].startswith("Fausse alerte")
    again = await author.post(f"/api/v1/alerts/{alert_id}/resolve", {"resolution": "resolved"})
    assert again.status_code == 409
