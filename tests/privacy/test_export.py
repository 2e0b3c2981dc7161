"""« Mes données »: the export holds the person's data, and nobody else's (JSON and readable HTML)."""

from __future__ import annotations

from backend.directory.tables import Profile
from backend.gazette.tables import GazetteComment, GazettePost
from tests.conftest import Api
from tests.messages.helpers import neighbourhood, open_conversation, say


async def test_export_holds_my_data_and_nobody_elses(api, fx_app, fx_password_hash):
    w = await neighbourhood(fx_password_hash, extra=1)
    me, other = w.users["member"], w.users["voisin0"]
    for uid, words in ((me, "Vends vélo bleu"), (other, "Donne armoire <b>normande</b>")):
        post = await GazettePost.insert(GazettePost(community=w.community, commune=w.commune, author=uid,
                                                    kind="news", title=words, body=words)).returning(GazettePost.id)
        await GazetteComment.insert(GazetteComment(post=post[0]["id"], author=uid, body=f"commentaire de {words}"))
    await Profile.insert(Profile(user=me, bio="Jardinier à la retraite"), Profile(user=other, bio="Pianiste"))
    member = await api.as_user(w.email("member"))
    neighbour = await api.as_user("voisin0@test.vigie.fr")
    conversation = await open_conversation(member, w.community, other)
    await say(member, conversation["id"], "Bonjour voisin")
    await say(neighbour, conversation["id"], "Bonsoir, message secret du voisin")

    r = await member.get("/api/v1/privacy/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    sections = {s["table"] + "." + s["column"]: s["rows"] for s in data["sections"]}
    assert sections["users.id"][0]["email"] == w.email("member")
    assert "password_hash" not in sections["users.id"][0]
    assert [p["title"] for p in sections["gazette_posts.author"]] == ["Vends vélo bleu"]
    assert [m["body"] for m in sections["messages.author"]] == ["Bonjour voisin"]
    assert sections["directory_profiles.user"][0]["bio"] == "Jardinier à la retraite"
    assert [a["id"] for a in sections["alerts.author"]] == [w.alert]
    assert sections["memberships.user"][0]["community"] == w.community
    text = r.text
    for foreign in ("voisin0@test.vigie.fr", "armoire", "Pianiste", "message secret", "token_hash", "code_hash"):
        assert foreign not in text, foreign

    r = await member.get("/api/v1/privacy/export.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "Mes données Vigie" in html and "Vends vélo bleu" in html and "Jardinier à la retraite" in html
    assert "armoire" not in html and "voisin0@test.vigie.fr" not in html

    # The neighbour's own export: their text, escaped in the readable one.
    html = (await neighbour.get("/api/v1/privacy/export.html")).text
    assert "&lt;b&gt;normande&lt;/b&gt;" in html and "<b>normande" not in html and "vélo bleu" not in html


async def test_export_needs_a_session(api, fx_app):
    assert (await api().get("/api/v1/privacy/export")).status_code == 401


async def test_privacy_page_lists_what_is_kept_why_and_how_long_from_the_settings(api, fx_app_factory):
    app = await fx_app_factory(retention_delivery_days=60, account_erase_grace_days=10)
    client = Api(app)
    r = await client.get("/api/v1/open/privacy")
    await client.aclose()
    assert r.status_code == 200
    page = r.json()
    assert page["account_erase_grace_days"] == 10
    days = {line["setting"]: line["days"] for line in page["retention"]}
    assert days == {"retention_delivery_days": 60, "retention_expired_classified_days": 30,
                    "retention_suspect_description_days": 30, "retention_audit_days": 365}
    assert all(line["what"] and line["why"] for line in page["retention"])
    labels = {d["label"]: d["after_deletion"] for d in page["data"]}
    assert "Mes messages" in labels and labels["Mes alertes"].startswith("Reste pour le quartier")
