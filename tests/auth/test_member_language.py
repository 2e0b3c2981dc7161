"""The member's language (issue 14 item 4): chosen in the settings, saved to User.locale, and the
API's error details read in it — English for a member who chose English (whatever the browser
says), else in the first language of Accept-Language Vigie speaks; French by default."""

from __future__ import annotations

import pytest

from backend.auth.tables import User
from backend.demo import make_commune, make_community, make_user
from backend.lib.error_texts import ENGLISH


@pytest.fixture
async def member(fx_engine, fx_password_hash):
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    await make_user("ana@example.org", "Ana", "Smith", password_hash=fx_password_hash, community_id=community)
    return community


async def test_a_member_who_chooses_english_reads_api_errors_in_english(api, member):
    client = await api.as_user("ana@example.org")
    r = await client.get("/api/v1/alerts/999999")
    assert r.json()["detail"] == "Cette alerte n'existe pas."  # French before the choice
    assert (await client.put("/api/v1/auth/locale", {"locale": "en"})).status_code == 204
    assert (await User.select(User.locale).where(User.email == "ana@example.org").first())["locale"] == "en"
    assert (await client.get("/api/v1/auth/me")).json()["locale"] == "en"
    r = await client.get("/api/v1/alerts/999999", headers={"Accept-Language": "fr-FR,fr"})
    assert r.status_code == 404
    assert r.json() == {"status_code": 404, "detail": "This alert does not exist.", "code": "alert_not_found"}
    bad = await client.put("/api/v1/auth/locale", {"locale": 12})
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    assert bad.json()["detail"] == ENGLISH["validation_error"]
    assert (await client.put("/api/v1/auth/locale", {"locale": "fr"})).status_code == 204
    r = await client.get("/api/v1/alerts/999999", headers={"Accept-Language": "en"})
    assert r.json()["detail"] == "Cette alerte n'existe pas."  # the member's choice wins over the browser


async def test_an_unknown_language_is_refused_and_changes_nothing(api, member):
    client = await api.as_user("ana@example.org")
    r = await client.put("/api/v1/auth/locale", {"locale": "de"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_locale" and r.json()["detail"] == "Langue inconnue : fr ou en."
    assert (await User.select(User.locale).where(User.email == "ana@example.org").first())["locale"] == "fr"


async def test_nobody_signed_in_reads_errors_in_the_accept_language(api, member):
    anonymous = api()
    r = await anonymous.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "wrong-password"},
                             headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert r.status_code == 401 and r.json()["detail"] == "Wrong e-mail address or password."
    r = await anonymous.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "wrong-password"},
                             headers={"Accept-Language": "de-DE,fr;q=0.8,en;q=0.5"})
    assert r.json()["detail"] == "Adresse e-mail ou mot de passe incorrect."
    r = await anonymous.get("/api/v1/auth/me", headers={"Accept-Language": "en"})
    assert r.status_code == 401 and r.json()["detail"] == "Please sign in."


async def test_a_member_who_chose_english_gets_the_password_reset_mail_in_english(api, member, fx_mail):
    await User.update({User.locale: "en"}).where(User.email == "ana@example.org")
    assert (await api().post("/api/v1/auth/password-reset", {"email": "ana@example.org"})).status_code == 202
    [mail] = await fx_mail.wait_for_async(1, timeout=10)
    assert mail.message["Subject"] == "Vigie: resetting your password"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Hello Ana,") and "valid for one hour" in text and "/#/reinitialiser?token=" in text


async def test_signing_up_in_english_gets_the_welcome_mail_in_english(api, member, fx_mail):
    from tests.auth.test_signup_and_login import signup_body

    r = await api().post("/api/v1/auth/signup", {**signup_body(member), "locale": "en"})
    assert r.status_code == 201, r.text
    [mail] = await fx_mail.wait_for_async(1, timeout=10)
    assert mail.message["Subject"] == "Vigie: your registration"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Hello Odette,") and "we are sending you a letter by post" in text


async def test_the_owner_of_an_address_someone_signs_up_with_is_told_in_their_language(api, member, fx_mail):
    from tests.auth.test_signup_and_login import signup_body

    await User.update({User.locale: "en"}).where(User.email == "ana@example.org")
    r = await api().post("/api/v1/auth/signup", {**signup_body(member), "email": "ana@example.org"})
    assert r.status_code == 201, r.text
    [mail] = await fx_mail.wait_for_async(1, timeout=10)
    assert mail.message["Subject"] == "Vigie: someone tried to sign up with your address"
    assert "You already have an account" in mail.message.get_body(preferencelist=("plain",)).get_content()
