"""« Supprimer mon compte », end to end on the real app, push service and mail catcher: disabled at
once (sessions closed, devices unsubscribed, letters voided), back on login within the grace
period, erased by the daily job after it (alerts kept as « Ancien membre », messages gone)."""

from __future__ import annotations

import json
from datetime import timedelta

from backend.alerts.tables import Alert
from backend.auth.tables import User, UserSession
from backend.delivery.tables import PushSubscription
from backend.gazette.tables import GazetteComment, GazettePost
from backend.lib import clock
from backend.messages.tables import Message
from backend.privacy.jobs import daily_privacy
from backend.privacy.service import FORMER_MEMBER_EMAIL
from backend.privacy.tables import ErasureRequest
from backend.verification.tables import ActivationLetter
from tests.alerts.helpers import ALERT, idem, wait_settled
from tests.conftest import TEST_PASSWORD
from tests.gazette.helpers import later, new_post
from tests.messages.helpers import neighbourhood, open_conversation, say, with_device


async def _run_daily(fx_app) -> dict:
    return await daily_privacy({"settings": fx_app.state.settings, "domains": fx_app.state.domains})


async def test_deleted_member_is_out_at_once_and_erased_after_the_grace_period(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_mail):
    w = await neighbourhood(fx_password_hash)
    leaving, staying = w.users["member"], w.users["voisin0"]
    leaving_device = await with_device(fx_settings, fx_push, leaving)
    staying_device = await with_device(fx_settings, fx_push, staying)
    member = await api.as_user(w.email("member"))
    neighbour = await api.as_user("voisin0@test.vigie.fr")
    conversation = await open_conversation(member, w.community, staying)
    post = await GazettePost.insert(GazettePost(community=w.community, commune=w.commune, author=leaving,
                                                kind="news", title="Fête des voisins", body="Samedi, cour du 12.")
                                    ).returning(GazettePost.id)
    await GazetteComment.insert(GazetteComment(post=post[0]["id"], author=leaving, body="J'apporte une tarte."))
    await say(member, conversation["id"], "Je vous laisse les clés sous le pot de fleurs.")
    await say(neighbour, conversation["id"], "Merci, je passerai.")
    await fx_push.wait_for_async(2, timeout=30)  # each heard of the other's message
    assert fx_push.for_subscription(leaving_device)
    fx_push.clear()

    # A wrong password changes nothing.
    r = await member.post("/api/v1/privacy/delete-account", {"password": "pas le bon mot de passe"})
    assert r.status_code == 400 and "Mot de passe incorrect" in r.json()["detail"]
    assert (await member.get("/api/v1/auth/me")).status_code == 200

    r = await member.post("/api/v1/privacy/delete-account", {"password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json()["erase_on"]  # e.g. « 16 décembre 2026 »
    mail = await fx_mail.wait_for_async(1, timeout=20)
    assert list(mail[0].rcpt_tos) == [w.email("member")] and "sera effacé le" in mail[0].message.get_content()

    # At once: the session is closed, the devices forgotten, the letters voided.
    assert (await member.get("/api/v1/auth/me")).status_code == 401
    assert not await PushSubscription.exists().where(PushSubscription.user == leaving)
    assert not await UserSession.exists().where(UserSession.user == leaving)
    assert not await ActivationLetter.exists().where(
        (ActivationLetter.user == leaving) & ActivationLetter.voided_at.is_null())

    # An alert of a neighbour reaches the staying member's phone, never the leaving member's device.
    referent = await api.as_user(w.email("referent"))
    r = await referent.post(f"/api/v1/communities/{w.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201, r.text
    await fx_push.wait_for_async(1, timeout=30)
    rows = await wait_settled(r.json()["id"])
    assert fx_push.for_subscription(staying_device) and not fx_push.for_subscription(leaving_device)
    assert leaving not in {row["user"] for row in rows}

    # Fourteen days later, the daily job erases the account.
    clock.advance(timedelta(days=fx_settings.account_erase_grace_days, minutes=1))
    counts = await _run_daily(fx_app)
    assert counts["accounts_erased"] == 1
    assert not await User.exists().where(User.id == leaving)
    assert not await ErasureRequest.exists().where(ErasureRequest.user == leaving)

    # They can no longer log in.
    r = await api().post("/api/v1/auth/login", {"email": w.email("member"), "password": TEST_PASSWORD})
    assert r.status_code == 401
    # Their alert stays for the neighbourhood, signed « Ancien membre »; their messages are gone.
    neighbour = await api.as_user("voisin0@test.vigie.fr")
    feed = (await neighbour.get(f"/api/v1/communities/{w.community}/alerts")).json()
    items = feed["items"] if isinstance(feed, dict) else feed
    theirs = next(a for a in items if a["id"] == w.alert)
    assert theirs["author"]["name"] == "Ancien membre"
    former = await User.select(User.id).where(User.email == FORMER_MEMBER_EMAIL).first()
    assert (await Alert.select(Alert.author).where(Alert.id == w.alert).first())["author"] == former["id"]
    shown = await neighbour.get(f"/api/v1/gazette/posts/{post[0]['id']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["author"]["name"] == "Ancien membre" and "Member" not in shown.text
    assert "J'apporte une tarte." in shown.text  # the comment stays, signed « Ancien membre » too
    thread = await neighbour.get(f"/api/v1/messages/conversations/{conversation['id']}/messages")
    assert thread.status_code == 200, thread.text
    assert "pot de fleurs" not in thread.text and "Merci, je passerai." in thread.text
    assert not await Message.exists().where(Message.body.like("%pot de fleurs%"))
    # Nothing of theirs in anyone's directory or export.
    directory = await neighbour.get(f"/api/v1/communities/{w.community}/directory")
    assert w.email("member") not in directory.text and "Member" not in directory.text
    assert w.email("member") not in (await neighbour.get("/api/v1/privacy/export")).text
    # Nothing else in the database names them.
    for table in ("users", "memberships", "deliveries", "push_subscriptions", "conversation_participants"):
        column = "id" if table == "users" else "user"
        assert not await User.raw(f'SELECT 1 FROM {table} WHERE "{column}" = {{}}', leaving), table


async def test_logging_in_within_the_grace_period_restores_the_account(api, fx_app, fx_settings, fx_password_hash,
                                                                       fx_mail):
    w = await neighbourhood(fx_password_hash, extra=0)
    member = await api.as_user(w.email("member"))
    assert (await member.post("/api/v1/privacy/delete-account", {"password": TEST_PASSWORD})).status_code == 200
    clock.advance(timedelta(days=fx_settings.account_erase_grace_days - 1))
    back = await api.as_user(w.email("member"))  # login answers 200: the account is back
    mails = await fx_mail.wait_for_async(2, timeout=20)  # « sera supprimé », then « est rétabli »
    assert any("est rétabli" in m.message["Subject"] for m in mails)
    assert (await back.get("/api/v1/auth/me")).json()["email"] == w.email("member")
    assert not await ErasureRequest.exists().where(ErasureRequest.user == w.users["member"])
    clock.advance(timedelta(days=2))
    assert (await _run_daily(fx_app))["accounts_erased"] == 0
    assert await User.exists().where(User.id == w.users["member"])
    directory = await back.get(f"/api/v1/communities/{w.community}/directory")
    assert directory.status_code == 200


async def test_a_suspended_account_stays_suspended_after_asking_for_deletion(api, fx_app, fx_password_hash):
    w = await neighbourhood(fx_password_hash, extra=0)
    member = await api.as_user(w.email("member"))
    await User.update({User.is_suspended: True}).where(User.id == w.users["member"])  # by the moderators
    await member.post("/api/v1/privacy/delete-account", {"password": TEST_PASSWORD})
    r = await api().post("/api/v1/auth/login", {"email": w.email("member"), "password": TEST_PASSWORD})
    assert r.status_code in (401, 403)  # the session was refused before; never a login
    await User.update({User.is_suspended: True}).where(User.id == w.users["member"])
    await ErasureRequest.insert(ErasureRequest(user=w.users["member"], erase_after=clock.now() + timedelta(days=3),
                                               was_suspended=True))
    r = await api().post("/api/v1/auth/login", {"email": w.email("member"), "password": TEST_PASSWORD})
    assert r.status_code == 403 and r.json()["code"] == "account_suspended"
    assert json.loads(json.dumps(r.json()))["detail"].startswith("Ce compte est suspendu")


async def test_others_see_membre_parti_at_once_and_the_name_again_if_the_member_returns(api, fx_app, fx_settings,
                                                                                         fx_password_hash):
    w = await neighbourhood(fx_password_hash, extra=1)
    leaving = w.users["member"]
    post = await GazettePost.insert(GazettePost(community=w.community, commune=w.commune, author=leaving,
                                                kind="news", title="Vide-grenier", body="Dimanche, place du marché.")
                                    ).returning(GazettePost.id)
    neighbour = await api.as_user("voisin0@test.vigie.fr")

    async def shown_names() -> tuple[str, str]:
        feed = (await neighbour.get(f"/api/v1/communities/{w.community}/alerts")).json()
        alert = next(a for a in (feed["items"] if isinstance(feed, dict) else feed) if a["id"] == w.alert)
        gazette = (await neighbour.get(f"/api/v1/gazette/posts/{post[0]['id']}")).json()
        return alert["author"]["name"], gazette["author"]["name"]

    before = await shown_names()
    assert before[0] == before[1] and before[0] != "Membre parti"
    member = await api.as_user(w.email("member"))
    assert (await member.post("/api/v1/privacy/delete-account", {"password": TEST_PASSWORD})).status_code == 200
    assert await shown_names() == ("Membre parti", "Membre parti")  # at once, not after the 14 days

    clock.advance(timedelta(days=fx_settings.account_erase_grace_days - 1))
    await api.as_user(w.email("member"))  # back within the grace period: the name comes back
    assert await shown_names() == before


async def test_an_erased_members_carpool_seat_goes_back_to_the_carpool(api, fx_app, fx_settings, fx_password_hash):
    w = await neighbourhood(fx_password_hash, extra=0)
    driver, passenger = await api.as_user(w.email("referent")), await api.as_user(w.email("member"))
    ride = await new_post(driver, w.community, "carpool", seats=2, departs_at=later(days=30))
    asked = await passenger.post(f"/api/v1/gazette/posts/{ride['id']}/ride-requests", {"message": ""})
    assert asked.status_code == 201, asked.text
    assert (await driver.post(f"/api/v1/gazette/ride-requests/{asked.json()['id']}/accept")).status_code == 200

    async def seats() -> tuple[int, int]:
        carpool = (await driver.get(f"/api/v1/gazette/posts/{ride['id']}")).json()["carpool"]
        return carpool["seats_taken"], carpool["seats_left"]

    assert await seats() == (1, 1)
    assert (await passenger.post("/api/v1/privacy/delete-account", {"password": TEST_PASSWORD})).status_code == 200
    clock.advance(timedelta(days=fx_settings.account_erase_grace_days, minutes=1))
    assert (await _run_daily(fx_app))["accounts_erased"] == 1
    driver = await api.as_user(w.email("referent"))  # a new session, 14 days on
    assert await seats() == (0, 2)
