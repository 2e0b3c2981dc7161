"""Moderators read a private conversation only once a participant reports it, and every reading is logged."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from backend.messages.tables import ModeratorRead
from tests.builders import World
from tests.messages.helpers import neighbourhood, open_conversation, say


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash)


async def test_moderator_reads_only_after_a_report_and_the_reading_is_audited(api, world):
    u = world.users
    alice, bob = await api.as_user(world.email("member")), await api.as_user(world.email("voisin0"))
    conv = await open_conversation(alice, world.community, u["voisin0"])
    await say(alice, conv["id"], "Message insultant")
    moderator = await api.as_user(world.email("moderator"))
    read_url = f"/api/v1/moderation/conversations/{conv['id']}"

    before = await moderator.get(read_url)
    assert before.status_code == 403 and before.json()["code"] == "no_report" and "insultant" not in before.text
    assert await ModeratorRead.count() == 0

    r = await bob.post(f"/api/v1/messages/conversations/{conv['id']}/report", {"reason": "Propos insultants"})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["state"] == "open" and report["reporter"] == {"id": u["voisin0"], "name": "Voisin0 Test"}
    again = await bob.post(f"/api/v1/messages/conversations/{conv['id']}/report", {"reason": "Encore"})
    assert again.status_code == 409 and again.json()["code"] == "already_reported"

    queue = await moderator.get("/api/v1/moderation/conversation-reports")
    assert [q["id"] for q in queue.json()] == [report["id"]] and queue.json()[0]["reason"] == "Propos insultants"
    assert {p["id"] for p in queue.json()[0]["participants"]} == {u["member"], u["voisin0"]}
    assert "Message insultant" not in queue.text  # the queue shows no message

    after = await moderator.get(read_url)
    assert after.status_code == 200, after.text
    body = after.json()
    assert [m["body"] for m in body["messages"]] == ["Message insultant"]
    assert [rep["id"] for rep in body["reports"]] == [report["id"]]
    [audit] = await ModeratorRead.select()
    assert audit["id"] == body["read_logged_as"]
    assert (audit["moderator"], audit["conversation"], audit["report"]) == (u["moderator"], conv["id"], report["id"])
    assert abs(audit["created_at"] - datetime.now(audit["created_at"].tzinfo)) < timedelta(minutes=1)
    admin = await api.as_user(world.email("admin"))
    assert (await admin.get(read_url)).status_code == 200  # each reading, each reader: one row
    log = (await admin.get(f"{read_url}/reads")).json()
    assert [(e["moderator"]["id"], e["report_id"]) for e in log] == [(u["moderator"], report["id"]),
                                                                      (u["admin"], report["id"])]

    central = (await admin.get("/api/v1/audit", params={"action": "conversation."})).json()["items"]
    assert [(e["actor_id"], e["action"], e["target"], e["details"]["report_id"]) for e in central] == [
        (u["admin"], "conversation.read", f"conversation:{conv['id']}", report["id"]),
        (u["moderator"], "conversation.read", f"conversation:{conv['id']}", report["id"])]

    closed = await moderator.post(f"/api/v1/moderation/conversation-reports/{report['id']}/close",
                                  {"note": "Avertissement envoyé"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["closed_by"]["id"] == u["moderator"]
    assert (await moderator.get(read_url)).status_code == 403  # no open report: out of reach again
    assert (await moderator.get("/api/v1/moderation/conversation-reports")).json() == []
    history = (await moderator.get("/api/v1/moderation/conversation-reports", params={"state": "closed"})).json()
    assert [h["note"] for h in history] == ["Avertissement envoyé"]
    assert await ModeratorRead.count() == 2


async def test_only_participants_report_and_only_moderators_read(api, world):
    u = world.users
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, u["voisin0"])
    await say(alice, conv["id"], "Bonjour")
    outsider = await api.as_user(world.email("voisin1"))
    r = await outsider.post(f"/api/v1/messages/conversations/{conv['id']}/report", {"reason": "Curieux"})
    assert r.status_code == 404
    short = await alice.post(f"/api/v1/messages/conversations/{conv['id']}/report", {"reason": " "})
    assert short.status_code == 400 and short.json()["code"] == "reason_required"
    # A participant who left may still report what was said.
    await alice.post(f"/api/v1/messages/conversations/{conv['id']}/leave")
    assert (await alice.post(f"/api/v1/messages/conversations/{conv['id']}/report",
                             {"reason": "Harcèlement"})).status_code == 201
    for role in ("member", "referent", "staff"):
        client = await api.as_user(world.email(role))
        r = await client.get(f"/api/v1/moderation/conversations/{conv['id']}")
        assert r.status_code == 403 and "Bonjour" not in r.text
    assert await ModeratorRead.count() == 0
