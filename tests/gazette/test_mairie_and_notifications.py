"""Mairie communications: posted by the commune's staff, shown (pinned until they expire) in
every community of the commune or the ones chosen, and notified to their members by push and
e-mail under their preferences and quiet hours. Comments notify the post's author by push."""

from __future__ import annotations

from datetime import timedelta

from backend.delivery.service import LOCAL_TZ
from backend.delivery.tables import Delivery, Outbox
from backend.demo import make_user
from backend.lib import clock
from tests.alerts.helpers import wait_settled
from tests.gazette.helpers import communicate, gazette, later, new_post, titles


async def test_a_communication_reaches_every_community_of_the_commune_pinned_until_it_expires(
        people, world, fx_push, fx_mail, fx_password_hash):
    outsider = await make_user("loin@test.vigie.fr", "Loin", "Test", password_hash=fx_password_hash,
                               community_id=world.foreign)
    staff = await people("staff")
    sent = await communicate(staff, world.commune, title="Coupure d'eau jeudi", body="De 8 h à 12 h, rue des Lilas.",
                             expires_at=later(days=5))
    assert (sent["kind"], sent["kind_label"], sent["community_id"], sent["pinned"]) == (
        "mairie", "Communication de la mairie", None, True)
    assert sent["mairie"]["commune_name"] == "Bellerive-sur-Loire" and sent["mairie"]["community_ids"] is None
    assert sent["author"]["name"] == "Staff Test"

    member, other_member = await people("member"), await people("other_member")
    await new_post(member, world.community, "news")
    for client, community in ((member, world.community), (other_member, world.sibling)):
        page = await gazette(client, community)
        assert titles(page, "pinned") == ["Coupure d'eau jeudi"]
        assert titles(page) == (["La boulangerie rouvre"] if community == world.community else [])
    assert (await other_member.get(f"/api/v1/gazette/posts/{sent['id']}")).status_code == 200
    assert (await (await people("other_staff")).get(f"/api/v1/gazette/posts/{sent['id']}")).status_code == 403

    # Members of the commune's communities get a push and an e-mail; not the author, nor others.
    members = {world.users[r] for r in ("member", "referent", "other_member")}
    pushes = await fx_push.wait_for_async(3, timeout=20)
    assert {p.subscription_id for p in pushes} == {fx_push.subscription_id(world.subs[r])
                                                   for r in ("member", "referent", "other_member")}
    assert pushes[0].json["title"] == "Mairie de Bellerive-sur-Loire : Coupure d'eau jeudi"
    assert pushes[0].json["url"] == f"/#/gazette/{sent['id']}" and pushes[0].json["event"] == "gazette_mairie"
    mails = await fx_mail.wait_for_async(3, timeout=20)
    assert sorted(m.rcpt_tos[0] for m in mails) == ["member@test.vigie.fr", "other_member@test.vigie.fr",
                                                    "referent@test.vigie.fr"]
    text = mails[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "De 8 h à 12 h, rue des Lilas." in text and "/api/v1/email/unsubscribe?token=" in text
    rows = await wait_settled(sent["id"], kind="gazette_mairie")
    assert {r["user"] for r in rows} == members and outsider not in {r["user"] for r in rows}
    assert {(r["channel"], r["state"]) for r in rows} == {("push", "sent"), ("email", "sent")}

    # Once expired it is no longer pinned, but stays in the list as news.
    clock.advance(timedelta(days=6))
    page = await gazette(member, world.community)
    assert page["pinned"] == [] and titles(page) == ["La boulangerie rouvre", "Coupure d'eau jeudi"]
    assert page["items"][1]["pinned"] is False


async def test_a_communication_for_chosen_communities_stays_out_of_the_others(people, world, fx_password_hash):
    staff = await people("staff")
    sent = await communicate(staff, world.commune, community_ids=[world.sibling])
    assert sent["mairie"]["community_ids"] == [world.sibling]
    member, other_member = await people("member"), await people("other_member")
    assert titles(await gazette(other_member, world.sibling), "pinned") == ["Travaux rue de la Gare"]
    assert (await gazette(member, world.community))["pinned"] == []
    r = await member.get(f"/api/v1/gazette/posts/{sent['id']}")
    assert r.status_code == 403 and r.json()["code"] == "post_forbidden"
    assert (await staff.get(f"/api/v1/gazette/posts/{sent['id']}")).status_code == 200
    rows = await wait_settled(sent["id"], kind="gazette_mairie")
    assert {r["user"] for r in rows} == {world.users["other_member"]}

    url = f"/api/v1/communes/{world.commune}/gazette"
    for body, code in [({"community_ids": [world.foreign]}, "invalid_communities"),
                       ({"community_ids": []}, "invalid_communities"),
                       ({"expires_at": later(days=-1)}, "invalid_expiry"),
                       ({"expires_at": later(days=400)}, "invalid_expiry"),
                       ({"title": "x"}, "invalid_title")]:
        r = await staff.post(url, {"title": "Travaux", "body": "Rue de la Gare.", "expires_at": later(days=3), **body})
        assert r.status_code == 400 and r.json()["code"] == code, r.text
    mine = (await staff.get(url)).json()
    assert [p["id"] for p in mine] == [sent["id"]]
    admin = await people("admin")
    [entry] = (await admin.get("/api/v1/audit", params={"action": "gazette."})).json()["items"]
    assert (entry["action"], entry["actor_name"], entry["commune_id"]) == ("gazette.communicate", "Staff Test", world.commune)
    assert entry["target"] == f"gazette_post:{sent['id']}" and entry["details"]["communities"] == [world.sibling]
    other_staff = await people("other_staff")
    assert (await other_staff.post(url, {"title": "Travaux", "body": "Non.", "expires_at": later(days=3)})).status_code == 403


async def test_notifications_follow_preferences_and_quiet_hours(people, world, fx_push):
    member, referent = await people("member"), await people("referent")
    r = await member.put("/api/v1/me/preferences", {"push": True, "email": False, "sms": True})
    assert r.status_code == 200
    here = clock.now().astimezone(LOCAL_TZ)
    quiet = {"quiet_start": (here - timedelta(hours=1)).strftime("%H:%M"),
             "quiet_end": (here + timedelta(hours=1)).strftime("%H:%M")}
    assert (await referent.put("/api/v1/me/preferences", {"push": True, "email": True, **quiet})).status_code == 200
    sent = await communicate(await people("staff"), world.commune)
    rows = await wait_settled(sent["id"], kind="gazette_mairie")
    state = {(r["user"], r["channel"]): (r["state"], r["reason"]) for r in rows}
    m, ref = world.users["member"], world.users["referent"]
    assert state[(m, "push")] == ("sent", "") and state[(m, "email")] == ("skipped", "désactivé dans les réglages")
    assert state[(ref, "push")] == ("skipped", "heures calmes") and state[(ref, "email")] == ("skipped", "heures calmes")
    assert (m, "sms") not in state  # communications never go by SMS


async def test_a_comment_notifies_the_post_author_by_push_only(people, world, fx_push):
    member, referent = await people("member"), await people("referent")
    post = await new_post(member, world.community, "classified")
    r = await referent.post(f"/api/v1/gazette/posts/{post['id']}/comments", {"body": "Toujours disponible ?"})
    assert r.status_code == 201
    comment_id = r.json()["id"]
    [push] = await fx_push.wait_for_async(1, timeout=20)
    assert push.subscription_id == fx_push.subscription_id(world.subs["member"])
    assert push.json["title"] == "Nouveau commentaire : Vélo enfant 16 pouces"
    assert push.json["body"] == "Referent Test : Toujours disponible ?" and push.json["event"] == "gazette_comment"
    rows = await wait_settled(comment_id, kind="gazette_comment")
    assert [(r["user"], r["channel"], r["state"]) for r in rows] == [(world.users["member"], "push", "sent")]

    own = await member.post(f"/api/v1/gazette/posts/{post['id']}/comments", {"body": "Oui !"})
    assert own.status_code == 201
    assert await Outbox.count().where(Outbox.ref_id == own.json()["id"]) == 0  # no notice to oneself
    assert await Delivery.count().where(Delivery.kind == "gazette_comment") == 1


async def test_members_and_staff_comment_on_a_communication_and_the_mairie_is_told(people, world, fx_push):
    staff = await people("staff")
    sent = await communicate(staff, world.commune)
    await wait_settled(sent["id"], kind="gazette_mairie")
    fx_push.clear()
    other_member = await people("other_member")
    r = await other_member.post(f"/api/v1/gazette/posts/{sent['id']}/comments", {"body": "Jusqu'à quelle heure ?"})
    assert r.status_code == 201
    [push] = await fx_push.wait_for_async(1, timeout=20)
    assert push.subscription_id == fx_push.subscription_id(world.subs["staff"])
    assert (await staff.post(f"/api/v1/gazette/posts/{sent['id']}/comments", {"body": "Jusqu'à 17 h."})).status_code == 201
    referent = await people("referent")
    r = await referent.post(f"/api/v1/gazette/posts/{sent['id']}/pin")
    assert r.status_code == 409 and r.json()["code"] == "mairie_pinned"
    r = await referent.post(f"/api/v1/gazette/posts/{sent['id']}/remove", {"reason": "Pas d'accord"})
    assert r.status_code == 403 and r.json()["code"] == "cannot_remove"
