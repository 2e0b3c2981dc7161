"""Referents pin, unpin and remove posts of their community; members report posts to the
moderators, whose queue lets them dismiss the reports or remove the post. Each step is in the
platform's audit log, which admins read."""

from __future__ import annotations

from backend.gazette.tables import GazetteReport
from tests.gazette.helpers import gazette, new_post, titles


async def audit_log(people) -> list[tuple[str, str, str, str]]:
    """(action, actor, target, reason) of the Gazette's entries, oldest first, as an admin reads them."""
    admin = await people("admin")
    items = (await admin.get("/api/v1/audit", params={"action": "gazette."})).json()["items"]
    return [(e["action"], e["actor_name"], e["target"], e["details"]["reason"]) for e in reversed(items)]


async def test_referent_pins_and_unpins_a_post_of_their_community_only(people, world):
    member, referent, other_member = await people("member"), await people("referent"), await people("other_member")
    post = await new_post(member, world.community, "news")
    await new_post(member, world.community, "minutes")
    r = await member.post(f"/api/v1/gazette/posts/{post['id']}/pin")
    assert r.status_code == 403 and r.json()["code"] == "not_referent"
    assert (await referent.post(f"/api/v1/gazette/posts/{post['id']}/pin")).json()["pinned"] is True
    assert titles(await gazette(member, world.community), "pinned") == ["La boulangerie rouvre"]
    # A referent of nothing here (a member of the sibling community) cannot even see it.
    assert (await other_member.post(f"/api/v1/gazette/posts/{post['id']}/pin")).status_code == 403
    assert (await referent.post(f"/api/v1/gazette/posts/{post['id']}/unpin")).json()["pinned"] is False
    page = await gazette(member, world.community)
    assert page["pinned"] == [] and titles(page) == ["Assemblée générale de la copropriété", "La boulangerie rouvre"]
    target = f"gazette_post:{post['id']}"
    assert await audit_log(people) == [("gazette.pin", "Referent Test", target, ""),
                                       ("gazette.unpin", "Referent Test", target, "")]


async def test_referent_removes_a_post_with_a_reason_the_author_sees(people, world):
    member, referent = await people("member"), await people("referent")
    post = await new_post(member, world.community, "classified")
    url = f"/api/v1/gazette/posts/{post['id']}/remove"
    r = await referent.post(url, {"reason": " "})
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    assert (await member.post(url, {"reason": "Je me retire"})).status_code == 403
    r = await referent.post(url, {"reason": "Vente d'animaux interdite ici"})
    assert r.status_code == 200 and r.json()["status"] == "removed"
    assert (await gazette(member, world.community))["items"] == []
    mine = await member.get(f"/api/v1/gazette/posts/{post['id']}")
    assert mine.status_code == 200 and mine.json()["removed_reason"] == "Vente d'animaux interdite ici"
    assert mine.json()["can"]["comment"] is False
    gone = await (await people("staff")).get(f"/api/v1/gazette/posts/{post['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "post_removed"
    r = await member.post(f"/api/v1/gazette/posts/{post['id']}/comments", {"body": "Pourquoi ?"})
    assert r.status_code == 409 and r.json()["code"] == "post_removed"
    assert (await referent.post(url, {"reason": "Encore"})).status_code == 404  # already gone for them


async def test_reports_reach_the_moderators_who_dismiss_them_or_remove_the_post(people, world):
    member, referent, other_member = await people("member"), await people("referent"), await people("other_member")
    moderator = await people("moderator")
    kept = await new_post(member, world.community, "news")
    bad = await new_post(referent, world.community, "classified", title="Objets trouvés à vendre")

    r = await referent.post(f"/api/v1/gazette/posts/{kept['id']}/report", {"reason": "ok"})
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    r = await member.post(f"/api/v1/gazette/posts/{kept['id']}/report", {"reason": "C'est ma propre annonce"})
    assert r.status_code == 403 and r.json()["code"] == "cannot_report"  # not one's own post
    assert (await other_member.post(f"/api/v1/gazette/posts/{bad['id']}/report", {"reason": "Arnaque"})).status_code == 403
    r = await member.post(f"/api/v1/gazette/posts/{bad['id']}/report", {"reason": "Ce sont des objets trouvés"})
    assert r.status_code == 201 and r.json() == {"post_id": bad["id"], "reported": True}
    again = await member.post(f"/api/v1/gazette/posts/{bad['id']}/report", {"reason": "Je insiste"})
    assert again.status_code == 200 and await GazetteReport.count() == 1
    assert (await referent.post(f"/api/v1/gazette/posts/{kept['id']}/report", {"reason": "Horaires faux"})).status_code == 201

    queue = (await moderator.get("/api/v1/moderation/gazette-reports")).json()
    assert [(q["post"]["title"], q["open_reports"], q["community_name"]) for q in queue] == [
        ("La boulangerie rouvre", 1, "Les Tilleuls"), ("Objets trouvés à vendre", 1, "Les Tilleuls")]
    assert queue[1]["reports"][0]["reporter"]["name"] == "Member Test"
    assert queue[1]["reports"][0]["reason"] == "Ce sont des objets trouvés"
    assert (await referent.get("/api/v1/moderation/gazette-reports")).status_code == 403

    r = await moderator.post(f"/api/v1/moderation/gazette-reports/{kept['id']}", {"action": "dismiss"})
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = await moderator.post(f"/api/v1/moderation/gazette-reports/{bad['id']}", {"action": "remove", "reason": ""})
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    r = await moderator.post(f"/api/v1/moderation/gazette-reports/{bad['id']}",
                             {"action": "remove", "reason": "Les objets trouvés vont en mairie"})
    assert r.status_code == 200 and r.json()["status"] == "removed"
    r = await moderator.post(f"/api/v1/moderation/gazette-reports/{bad['id']}", {"action": "dismiss"})
    assert r.status_code == 409 and r.json()["code"] == "no_open_report"
    r = await moderator.post(f"/api/v1/moderation/gazette-reports/{kept['id']}", {"action": "hide"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_action"

    assert (await moderator.get("/api/v1/moderation/gazette-reports")).json() == []
    done = (await moderator.get("/api/v1/moderation/gazette-reports", params={"state": "actioned"})).json()
    assert [q["post"]["status"] for q in done] == ["removed"]
    dismissed = (await moderator.get("/api/v1/moderation/gazette-reports", params={"state": "dismissed"})).json()
    assert [q["post"]["id"] for q in dismissed] == [kept["id"]]
    assert titles(await gazette(member, world.community)) == ["La boulangerie rouvre"]
    assert await audit_log(people) == [
        ("gazette.dismiss", "Moderator Test", f"gazette_post:{kept['id']}", ""),
        ("gazette.remove", "Moderator Test", f"gazette_post:{bad['id']}", "Les objets trouvés vont en mairie")]
