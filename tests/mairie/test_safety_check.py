"""Safety check: « Tout va bien ? » answered by a tap or by SMS, counts live for the staff only."""

from __future__ import annotations

import json

from backend.alerts.tables import Alert
from backend.auth import sessions
from backend.mairie.notify import SAFETY_KIND
from backend.mairie.tables import SafetyAnswer
from tests.fixtures.channels import SMS_SECRET
from tests.alerts.helpers import wait_settled
from tests.fixtures.sms_emulator import inbound_request
from backend.lib.valkey import make_client
from tests.live.sse import SseStream, wait_until
from tests.mairie.helpers import town


async def sms(api, phone: str, text: str):
    body, headers = inbound_request(SMS_SECRET, from_=phone, text=text)
    r = await api("provider").http.post("/api/v1/sms/inbound", content=body,
                                        headers={**headers, "content-type": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()


async def next_counts(stream: SseStream, check_id: int) -> dict:
    while True:
        event = await stream.next_event(10)
        data = json.loads(event.data)
        if event.event == "dashboard.updated" and data["section"] == "safety_checks" and data["check_id"] == check_id:
            return data["counts"]


async def test_safety_check_by_tap_and_by_sms_with_live_counts(api, fx_app, fx_settings, fx_password_hash, fx_push,
                                                                fx_sms):
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    staff = await api.as_user(w.email("staff"))
    # Before any check, AIDE by SMS is still the help command.
    assert (await sms(api, t.phones[t.residents["bourg1"]], "AIDE"))["status"] == "help_sent"

    staff_token = await sessions.create_session(w.users["staff"], 3600)
    other_token = await sessions.create_session(w.users["other_member"], 3600)
    async with SseStream(fx_app, "/api/v1/live", staff_token) as live, \
            SseStream(fx_app, "/api/v1/live", other_token) as member_live:
        valkey = make_client(fx_settings.valkey_url)

        async def listening() -> bool:
            numsub = dict(await valkey.pubsub_numsub(f"staff:{w.commune}", f"user:{w.users['other_member']}"))
            return all(n >= 1 for n in numsub.values())

        await wait_until(listening, "both streams subscribed")
        await valkey.aclose()
        r = await staff.post(f"/api/v1/communes/{w.commune}/safety-checks", {"community_ids": [w.sibling]})
        assert r.status_code == 201, r.text
        check = r.json()
        asked = {w.users["other_member"], t.residents["tilleul0"]} | {t.residents[f"bourg{i}"] for i in range(3)}
        assert check["counts"] == {"total": len(asked), "ok": 0, "help": 0, "pending": len(asked)}
        assert await next_counts(live, check["id"]) == check["counts"]
        rows = await wait_settled(check["id"], kind=SAFETY_KIND)
        assert {r["user"] for r in rows} == asked and {r["channel"] for r in rows} == {"push", "sms"}
        texts = await fx_sms.wait_for_async(1 + len(asked), timeout=20)  # the help text, then the question
        assert sum("Repondez OUI si tout va bien, AIDE si vous avez besoin d'aide" in m.text for m in texts) == len(asked)
        pushes = await fx_push.wait_for_async(4, timeout=20)
        assert {p.json["event"] for p in pushes} == {"safety_check"}
        assert pushes[0].json["url"] == f"/#/mairie/controle/{check['id']}"

        # One tap in the app.
        member = await api.as_user(w.email("other_member"))
        mine = (await member.get("/api/v1/me/safety-checks")).json()
        assert [(c["id"], c["answer"], c["status"]) for c in mine] == [(check["id"], "", "open")]
        tapped = await member.post(f"/api/v1/safety-checks/{check['id']}/answer", {"answer": "ok"})
        assert tapped.status_code == 200 and tapped.json()["answer"] == "ok"
        assert await next_counts(live, check["id"]) == {"total": 5, "ok": 1, "help": 0, "pending": 4}
        # By SMS: OUI and AIDE answer the open check.
        assert (await sms(api, t.phones[t.residents["bourg0"]], "oui"))["status"] == "safety_answer"
        assert await next_counts(live, check["id"]) == {"total": 5, "ok": 2, "help": 0, "pending": 3}
        assert (await sms(api, t.phones[t.residents["bourg1"]], "aide."))["status"] == "safety_answer"
        assert await next_counts(live, check["id"]) == {"total": 5, "ok": 2, "help": 1, "pending": 2}
        await member_live.no_event(0.3)  # the staff channel is the staff's only
    replies = await fx_sms.wait_for_async(1 + len(asked) + 2, timeout=10)
    assert any("va vous contacter" in m.text and m.to == t.phones[t.residents["bourg1"]] for m in replies)

    detail = (await staff.get(f"/api/v1/communes/{w.commune}/safety-checks/{check['id']}")).json()
    assert [p["user_id"] for p in detail["need_help"]] == [t.residents["bourg1"]]
    assert detail["need_help"][0]["phone"] == t.phones[t.residents["bourg1"]] and detail["need_help"][0]["via"] == "sms"
    assert detail["need_help"][0]["community_name"] == "Centre-Bourg"
    assert {p["user_id"] for p in detail["not_answered"]} == {t.residents["tilleul0"], t.residents["bourg2"]}
    assert await SafetyAnswer.count().where(SafetyAnswer.answer == "") == 2

    # Someone not asked cannot answer; staff of another commune see nothing.
    outsider = await api.as_user(w.email("member"))
    assert (await outsider.post(f"/api/v1/safety-checks/{check['id']}/answer", {"answer": "ok"})).status_code == 404
    other_staff = await api.as_user(w.email("other_staff"))
    assert (await other_staff.get(f"/api/v1/communes/{w.commune}/safety-checks/{check['id']}")).status_code == 403
    closed = await staff.post(f"/api/v1/communes/{w.commune}/safety-checks/{check['id']}/close")
    assert closed.json()["status"] == "closed"
    late = await member.post(f"/api/v1/safety-checks/{check['id']}/answer", {"answer": "help"})
    assert late.status_code == 409 and late.json()["code"] == "safety_check_closed"
    # Once closed, AIDE is the help command again.
    assert (await sms(api, t.phones[t.residents["bourg2"]], "AIDE"))["status"] == "help_sent"
    # A late OUI / NON is no alert to the neighbourhood: the sender is told nothing was sent.
    alerts_before = await Alert.count()
    assert (await sms(api, t.phones[t.residents["bourg2"]], "Oui.")) == {"status": "not_an_alert"}
    assert (await sms(api, t.phones[t.residents["bourg0"]], "NON !")) == {"status": "not_an_alert"}
    assert await Alert.count() == alerts_before
