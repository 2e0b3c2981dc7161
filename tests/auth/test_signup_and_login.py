"""Sign-up, login, logout, me, password change and reset, rate limits, CSRF."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from backend.verification.signup import SIGNUP_NOTICES_PER_HOUR, SIGNUP_RECEIVED
from backend.auth.tables import User
from backend.verification.tables import ActivationLetter
from backend.demo import make_commune, make_community, make_user
from tests.conftest import TEST_PASSWORD


def signup_body(cid: int, **over):
    body = dict(first_name="Odette", last_name="Lambert", email="odette.lambert@example.fr", phone="06 12 34 56 78",
                address_line1="4 rue des Lilas", postal_code="45100", city="Bellerive-sur-Loire", country="FR",
                password="un-mot-de-passe-long", community_id=cid)
    body.update(over)
    return body


@pytest.fixture
async def community(fx_engine):
    commune = await make_commune()
    return await make_community(commune, "Les Tilleuls")


async def test_resident_signs_up_then_logs_in_and_is_pending(api, community, fx_mail):
    client = api()
    r = await client.post("/api/v1/auth/signup", signup_body(community))
    assert r.status_code == 201, r.text
    assert r.json() == {"detail": SIGNUP_RECEIVED}
    assert "vigie_session" not in r.headers.get("set-cookie", "")  # no session: the answer tells nothing
    welcome = (await fx_mail.wait_for_async(1, timeout=10))[0].message
    assert welcome["To"] == "odette.lambert@example.fr" and "courrier" in welcome.get_body().get_content()
    r = await client.post("/api/v1/auth/login", {"email": "odette.lambert@example.fr", "password": "un-mot-de-passe-long"})
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["email"] == "odette.lambert@example.fr"
    assert me["phone"] == "+33612345678"
    assert me["memberships"] == [{"community_id": community, "community_name": "Les Tilleuls", "commune_id": me["memberships"][0]["commune_id"],
                                  "commune_name": "Bellerive-sur-Loire", "status": "pending", "role": "member"}]
    assert "password" not in r.text and "hash" not in r.text
    cookie = r.headers["set-cookie"]
    assert "vigie_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    again = await client.get("/api/v1/auth/me")
    assert again.status_code == 200 and again.json()["id"] == me["id"]
    stored = await User.select(User.password_hash).where(User.id == me["id"]).first()
    assert stored["password_hash"].startswith("$argon2id$")


async def test_session_cookie_is_secure_when_configured(fx_app_factory, community):
    from tests.conftest import Api

    app = await fx_app_factory(secure_cookies=True)
    client = Api(app)
    assert (await client.post("/api/v1/auth/signup", signup_body(community))).status_code == 201
    r = await client.post("/api/v1/auth/login", {"email": "odette.lambert@example.fr", "password": "un-mot-de-passe-long"})
    assert r.status_code == 200
    assert "Secure" in r.headers["set-cookie"]
    await client.aclose()


@pytest.mark.parametrize("field,value,code", [
    ("email", "pas-une-adresse", "invalid_email"),
    ("phone", "12", "invalid_phone"),
    ("password", "court", "weak_password"),
    ("postal_code", "ABCDE", "invalid_postal_code"),
    ("first_name", "  ", "missing_field"),
    ("country", "DE", "invalid_country"),
    ("community_id", 999999, "community_not_found"),
])
async def test_bad_signup_is_refused_in_french_and_changes_nothing(api, community, field, value, code):
    r = await api().post("/api/v1/auth/signup", signup_body(community, **{field: value}))
    assert 400 <= r.status_code < 500
    body = r.json()
    assert body["code"] == code
    assert body["detail"] and not re.search(r"\b(the|is|invalid|failed|required)\b", body["detail"], re.I)
    assert await User.count() == 0


async def test_signup_with_a_taken_email_answers_like_a_new_one_and_mails_the_owner(api, community, fx_mail):
    first = await api().post("/api/v1/auth/signup", signup_body(community))
    await fx_mail.wait_for_async(1, timeout=10)  # the first account's welcome mail
    fx_mail.clear()
    again = await api().post("/api/v1/auth/signup", signup_body(community, email="ODETTE.lambert@example.fr",
                                                                 first_name="Intrus", password="autre-mot-de-passe"))
    assert (again.status_code, again.json()) == (first.status_code, first.json()) == (201, {"detail": SIGNUP_RECEIVED})
    assert "vigie_session" not in again.headers.get("set-cookie", "")
    assert await User.count() == 1 and await ActivationLetter.count() == 1
    notice = (await fx_mail.wait_for_async(1, timeout=10))[0].message
    assert notice["To"] == "odette.lambert@example.fr"
    text = notice.get_body().get_content()
    assert "Bonjour Odette" in text and "Quelqu'un a essayé de créer un compte Vigie avec votre adresse" in text
    # the account is untouched: the owner's password still works, the intruder's does not
    await api.as_user("odette.lambert@example.fr", "un-mot-de-passe-long")
    intruder = await api().post("/api/v1/auth/login", {"email": "odette.lambert@example.fr", "password": "autre-mot-de-passe"})
    assert intruder.status_code == 401


async def test_a_full_address_refuses_a_taken_email_like_a_new_one(api, community, fx_settings, fx_password_hash):
    """The per-address letter limit must not tell a registered e-mail from a new one either."""
    await make_user("deja@example.fr", "Déjà", "Inscrit", password_hash=fx_password_hash)
    client = api()
    for i in range(fx_settings.letters_pending_per_address):
        assert (await client.post("/api/v1/auth/signup", signup_body(community, email=f"p{i}@example.fr"))).status_code == 201
    new = await client.post("/api/v1/auth/signup", signup_body(community, email="nouveau@example.fr"))
    taken = await client.post("/api/v1/auth/signup", signup_body(community, email="deja@example.fr"))
    assert new.status_code == taken.status_code == 429
    assert new.json() == taken.json() and new.json()["code"] == "letters_per_address"


async def test_signup_notices_to_an_owner_are_limited(api, community, fx_mail):
    assert (await api().post("/api/v1/auth/signup", signup_body(community))).status_code == 201
    await fx_mail.wait_for_async(1, timeout=10)
    fx_mail.clear()
    for _ in range(SIGNUP_NOTICES_PER_HOUR + 2):
        assert (await api().post("/api/v1/auth/signup", signup_body(community))).status_code == 201
    await fx_mail.wait_for_async(SIGNUP_NOTICES_PER_HOUR, timeout=10)
    await asyncio.sleep(1)  # any extra notice would have come by now
    assert len(fx_mail.messages) == SIGNUP_NOTICES_PER_HOUR


async def test_signup_with_a_taken_email_takes_about_as_long_as_a_new_one(api, community):
    """The password is hashed either way: the time taken does not tell an existing account."""
    client = api()
    await client.get("/api/v1/health")

    async def timed(email: str, number: int = 4) -> float:
        body = signup_body(community, email=email, address_line1=f"{number} rue des Lilas")  # one letter per door
        start = time.perf_counter()
        r = await client.post("/api/v1/auth/signup", body)
        assert r.status_code == 201, r.text
        return time.perf_counter() - start

    await timed("premier@example.fr")
    existing = sorted([await timed("premier@example.fr") for _ in range(3)])[1]
    new = sorted([await timed(f"nouveau{i}@example.fr", 10 + i) for i in range(3)])[1]
    # argon2 dominates both; without it the existing path answered in a few milliseconds
    assert existing > 0.3 * new, (existing, new)


async def test_login_logout_and_wrong_password(api, community):
    await api().post("/api/v1/auth/signup", signup_body(community))
    client = api()
    bad = await client.post("/api/v1/auth/login", {"email": "odette.lambert@example.fr", "password": "nope-nope-nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "Adresse e-mail ou mot de passe incorrect."
    unknown = await client.post("/api/v1/auth/login", {"email": "personne@example.fr", "password": "nope-nope-nope"})
    assert unknown.status_code == 401 and unknown.json()["detail"] == bad.json()["detail"]
    ok = await client.post("/api/v1/auth/login", {"email": "Odette.Lambert@example.fr", "password": "un-mot-de-passe-long"})
    assert ok.status_code == 200
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_login_is_rate_limited_with_a_french_429(api, community, fx_settings):
    await api().post("/api/v1/auth/signup", signup_body(community))
    client = api()
    for _ in range(fx_settings.login_attempts_per_15min):
        r = await client.post("/api/v1/auth/login", {"email": "odette.lambert@example.fr", "password": "mauvais-mot-de-passe"})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", {"email": "odette.lambert@example.fr", "password": "un-mot-de-passe-long"})
    assert r.status_code == 429
    assert r.json()["detail"].startswith("Trop de tentatives")
    assert int(r.headers["retry-after"]) > 0


async def test_unsafe_request_without_csrf_token_is_refused(api, community):
    client = api()
    await client.get("/api/v1/health")
    r = await client.http.post("/api/v1/auth/signup", json=signup_body(community))
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    forged = await client.http.post("/api/v1/auth/signup", json=signup_body(community), headers={"x-csrftoken": "forged"})
    assert forged.status_code == 403
    assert await User.count() == 0


async def test_password_change_closes_other_sessions(api, community):
    first = api()
    await first.post("/api/v1/auth/signup", signup_body(community))
    await first.login("odette.lambert@example.fr", "un-mot-de-passe-long")
    second = await api.as_user("odette.lambert@example.fr", "un-mot-de-passe-long")
    wrong = await first.post("/api/v1/auth/password", {"current_password": "faux-faux-faux", "new_password": "nouveau-mot-de-passe"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "bad_current_password"
    r = await first.post("/api/v1/auth/password", {"current_password": "un-mot-de-passe-long", "new_password": "nouveau-mot-de-passe"})
    assert r.status_code == 204
    assert (await first.get("/api/v1/auth/me")).status_code == 200
    assert (await second.get("/api/v1/auth/me")).status_code == 401
    await api.as_user("odette.lambert@example.fr", "nouveau-mot-de-passe")


async def test_password_reset_by_email(api, community, fx_mail):
    await api().post("/api/v1/auth/signup", signup_body(community))
    client = api()
    r = await client.post("/api/v1/auth/password-reset", {"email": "odette.lambert@example.fr"})
    assert r.status_code == 202
    nobody = await client.post("/api/v1/auth/password-reset", {"email": "personne@example.fr"})
    assert nobody.status_code == 202 and nobody.json() == r.json()
    mails = await fx_mail.wait_for_async(2, timeout=10)  # the welcome mail and the reset link
    resets = [m for m in mails if "réinitialisation" in m.message["Subject"]]
    assert len(resets) == 1
    text = resets[0].message.get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"token=([\w-]+)", text).group(1)
    bad = await client.post("/api/v1/auth/password-reset/confirm", {"token": "inconnu", "new_password": "encore-un-nouveau"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_reset_token"
    ok = await client.post("/api/v1/auth/password-reset/confirm", {"token": token, "new_password": "encore-un-nouveau"})
    assert ok.status_code == 204
    reuse = await client.post("/api/v1/auth/password-reset/confirm", {"token": token, "new_password": "encore-un-autre"})
    assert reuse.status_code == 400
    await api.as_user("odette.lambert@example.fr", "encore-un-nouveau")


async def test_csrf_cookie_outlives_the_browser_session_so_offline_replays_need_no_page(api, community):
    """The service worker replays offline alerts without a page, maybe after a browser restart."""
    client = api()
    r = await client.http.get("/api/v1/health")
    [csrf] = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("csrftoken=")]
    assert "Max-Age=2592000" in csrf and "SameSite=lax" in csrf.replace("samesite", "SameSite")
    token = client.http.cookies["csrftoken"]
    again = await client.http.get("/api/v1/health")  # a cookie already held is not set again
    assert not [v for k, v in again.headers.multi_items() if k == "set-cookie" and v.startswith("csrftoken=")]
    accepted = await client.http.post("/api/v1/auth/signup", json=signup_body(community), headers={"x-csrftoken": token})
    assert accepted.status_code == 201
