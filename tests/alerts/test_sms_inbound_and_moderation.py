"""Alerts by SMS (signed webhook, STOP/AIDE), the moderation queue, the mairie inbox and the police mail."""

from __future__ import annotations

import json
import time

from backend.alerts.tables import Alert, ModerationAction
from backend.delivery.service import get_preferences
from tests.fixtures.channels import SMS_SECRET
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled
from tests.builders import build_world
from tests.fixtures.sms_emulator import inbound_request


async def post_inbound(client, body: bytes, headers: dict[str, str]):
    return await client.http.post("/api/v1/sms/inbound", content=body, headers={**headers, "content-type": "application/json"})


async def test_sms_from_a_member_creates_an_alert_once_and_answers(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 3)
    provider = api("provider")
    body, headers = inbound_request(SMS_SECRET, from_="+33699999999", text="Deux hommes essaient les portières rue des Lilas")
    r = await post_inbound(provider, body, headers)
    assert r.status_code == 200 and r.json()["status"] == "alert_created"
    alert = await Alert.select().first()
    assert alert["source"] == "sms" and alert["category"] == "other" and alert["author"] == hood.author
    assert alert["body"] == "Deux hommes essaient les portières rue des Lilas"
    again = await post_inbound(provider, body, headers)  # the provider retries: same message id
    assert again.json()["status"] == "duplicate" and await Alert.count() == 1
    await fx_push.wait_for_async(3, timeout=15)
    await wait_settled(alert["id"])
    receipts = await fx_sms.wait_for_async(1, timeout=10)
    assert receipts[0].to == "+33699999999" and "votre alerte est envoyée" in receipts[0].text


async def test_sms_commands_stop_and_help(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    member = hood.members[0]
    await __import__("backend.delivery.service", fromlist=["x"]).set_channel(member, "sms", True)
    provider = api("provider")
    body, headers = inbound_request(SMS_SECRET, from_=hood.phones[member], text="Arrêt")
    assert (await post_inbound(provider, body, headers)).json()["status"] == "sms_off"
    assert (await get_preferences(member)).sms is False
    body, headers = inbound_request(SMS_SECRET, from_=hood.phones[member], text="aide")
    assert (await post_inbound(provider, body, headers)).json()["status"] == "help_sent"
    texts = await fx_sms.wait_for_async(2, timeout=10)
    assert any("ne recevrez plus" in t.text for t in texts) and any("STOP ou ARRET" in t.text for t in texts)
    assert await Alert.count() == 0


async def test_sms_from_unknown_number_or_with_bad_signature_changes_nothing(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    provider = api("provider")
    body, headers = inbound_request(SMS_SECRET, from_="+33700000001", text="Bonjour")
    r = await post_inbound(provider, body, headers)
    assert r.status_code == 200 and r.json()["status"] == "refused"
    body, headers = inbound_request("wrong-secret", from_="+33699999999", text="Cambriolage")
    assert (await post_inbound(provider, body, headers)).status_code == 401
    body, headers = inbound_request(SMS_SECRET, from_="+33699999999", text="Cambriolage", timestamp=int(time.time()) - 3600)
    assert (await post_inbound(provider, body, headers)).status_code == 401
    tampered = json.loads(inbound_request(SMS_SECRET, from_="+33699999999", text="x")[0])
    assert (await post_inbound(provider, json.dumps({**tampered, "text": "autre"}).encode(), headers)).status_code == 401
    assert await Alert.count() == 0 and not fx_sms.messages


async def test_moderators_review_alerts_and_the_author_is_told(api, fx_app, fx_password_hash, fx_mail):
    w = await build_world(fx_password_hash)
    moderator = await api.as_user(w.email("moderator"))
    member = await api.as_user(w.email("member"))
    neighbour = await api.as_user(w.email("referent"))
    queue = (await moderator.get("/api/v1/moderation/alerts")).json()
    assert [a["id"] for a in queue] == [w.alert] and queue[0]["moderation"] == "pending"
    refused = await moderator.post(f"/api/v1/moderation/alerts/{w.alert}", {"action": "hide"})
    assert refused.status_code == 400 and refused.json()["code"] == "reason_required"
    r = await moderator.post(f"/api/v1/moderation/alerts/{w.alert}", {"action": "hide", "reason": "Propos injurieux"})
    assert r.status_code == 200 and r.json()["moderation"] == "hidden"
    # Hidden from neighbours, still visible to its author and to moderators.
    assert (await neighbour.get(f"/api/v1/alerts/{w.alert}")).status_code == 404
    assert (await neighbour.get(f"/api/v1/communities/{w.community}/alerts")).json()["items"] == []
    assert (await member.get(f"/api/v1/alerts/{w.alert}")).json()["moderation_reason"] == "Propos injurieux"
    mails = await fx_mail.wait_for_async(1, timeout=10)
    assert list(mails[0].rcpt_tos) == [w.email("member")] and "Propos injurieux" in mails[0].message.get_body(
        preferencelist=("plain",)).get_content()
    await moderator.post(f"/api/v1/moderation/alerts/{w.alert}", {"action": "approve"})
    history = (await moderator.get(f"/api/v1/moderation/alerts/{w.alert}/history")).json()
    assert [h["action"] for h in history] == ["hide", "approve"] and history[0]["moderator"] == "Moderator Test"
    assert await ModerationAction.count() == 2
    assert (await moderator.get("/api/v1/moderation/alerts?state=approved")).json()[0]["id"] == w.alert
    assert (await moderator.get("/api/v1/moderation/alerts?state=nimporte")).status_code == 400


async def test_flagged_alerts_reach_the_mairie_inbox_and_the_police_mailbox(api, fx_app, fx_password_hash, fx_mail):
    from backend.communities.tables import Commune

    w = await build_world(fx_password_hash)
    await Commune.update({Commune.police_email: "gendarmerie@test.vigie.fr"}).where(Commune.id == w.commune)
    member = await api.as_user(w.email("member"))
    r = await member.post(f"/api/v1/communities/{w.community}/alerts",
                          {**ALERT, "notify_mairie": True, "notify_police": True}, headers=idem())
    assert r.status_code == 201
    staff = await api.as_user(w.email("staff"))
    inbox = (await staff.get(f"/api/v1/communes/{w.commune}/forwarded-alerts")).json()
    assert {a["id"] for a in inbox} == {w.alert, r.json()["id"]}
    other = await api.as_user(w.email("other_staff"))
    assert (await other.get(f"/api/v1/communes/{w.commune}/forwarded-alerts")).status_code == 403
    mails = await fx_mail.wait_for_async(1, timeout=10)
    police = [m for m in mails if list(m.rcpt_tos) == ["gendarmerie@test.vigie.fr"]]
    assert len(police) == 1 and "Camionnette blanche" in police[0].message.get_body(preferencelist=("plain",)).get_content()


async def test_email_unsubscribe_link_turns_email_off(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_mail):
    import re

    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    author = await api.as_user("auteur@test.vigie.fr")
    await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    mail = (await fx_mail.wait_for_async(1, timeout=10))[0]
    link = re.search(r"(/api/v1/email/unsubscribe\?token=[\w-]+)", mail.message.get_body(preferencelist=("plain",)).get_content()).group(1)
    page = await api().get(link)
    assert page.status_code == 200 and "ne recevrez plus" in page.text
    assert (await get_preferences(hood.members[0])).email is False
    assert (await api().get("/api/v1/email/unsubscribe?token=faux")).status_code == 404


async def test_preferences_api_validates_quiet_hours(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    member = await api.as_user(w.email("member"))
    assert (await member.get("/api/v1/me/preferences")).json() == {"push": True, "email": True, "sms": False,
                                                                   "quiet_start": None, "quiet_end": None,
                                                                   "email_messages": False, "sms_available": True,
                                                                   "devices": 0, "sms_fallback": True}
    bad = await member.put("/api/v1/me/preferences", {"push": True, "email": False, "sms": True, "quiet_start": "25:00",
                                                       "quiet_end": "07:00"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_time"
    half = await member.put("/api/v1/me/preferences", {"quiet_start": "22:00"})
    assert half.status_code == 400 and half.json()["code"] == "invalid_quiet_hours"
    ok = await member.put("/api/v1/me/preferences", {"push": True, "email": False, "sms": True, "quiet_start": "22:00",
                                                      "quiet_end": "07:00"})
    assert ok.status_code == 200 and ok.json()["sms"] is True and ok.json()["quiet_start"] == "22:00"
