"""Phone numbers at sign-up: stored as E.164, SMS on from the start for a French or Belgian mobile,
a landline kept for contact but never offered SMS, bad numbers refused in French; the migration
that rewrites numbers stored before."""

from __future__ import annotations

import importlib

import pytest

from backend.auth.tables import User
from backend.delivery.tables import DeliveryPreference
from backend.demo import make_commune, make_community, make_user
from backend.lib.phones import is_sms_capable, to_e164
from tests.auth.test_signup_and_login import signup_body

PASSWORD = "un-mot-de-passe-long"


@pytest.fixture
async def community(fx_engine):
    commune = await make_commune()
    return await make_community(commune, "Les Tilleuls")


async def signed_up(api, community: int, **over):
    """Sign up, log in; (client, stored phone, preferences as the app reads them)."""
    body = signup_body(community, **over)
    r = await api().post("/api/v1/auth/signup", body)
    assert r.status_code == 201, r.text
    client = await api.as_user(body["email"], PASSWORD)
    stored = await User.select(User.phone).where(User.email == body["email"]).first()
    prefs = await client.get("/api/v1/me/preferences")
    assert prefs.status_code == 200, prefs.text
    return client, stored["phone"], prefs.json()


async def test_a_mobile_given_at_sign_up_is_stored_as_e164_with_sms_on(api, community):
    client, phone, prefs = await signed_up(api, community, phone="06 12 34 56 78")
    assert phone == "+33612345678"
    assert (await client.get("/api/v1/auth/me")).json()["phone"] == "+33612345678"
    assert prefs["sms"] is True and prefs["sms_available"] is True
    assert prefs["push"] is True and prefs["email"] is True and prefs["devices"] == 0


async def test_a_resident_can_decline_sms_at_sign_up(api, community):
    _, phone, prefs = await signed_up(api, community, phone="+33 7 81 23 45 67", sms=False)
    assert phone == "+33781234567"
    assert prefs["sms"] is False and prefs["sms_available"] is True


async def test_a_landline_is_kept_for_contact_but_sms_is_neither_on_nor_possible(api, community):
    client, phone, prefs = await signed_up(api, community, phone="02 38 12 34 56")
    assert phone == "+33238123456"
    assert prefs["sms"] is False and prefs["sms_available"] is False
    r = await client.put("/api/v1/me/preferences", {"push": True, "email": True, "sms": True})
    assert r.status_code == 400 and r.json()["code"] == "sms_unavailable"
    assert "portable" in r.json()["detail"]
    assert (await DeliveryPreference.select(DeliveryPreference.sms).first())["sms"] is False
    ok = await client.put("/api/v1/me/preferences", {"push": True, "email": False, "sms": False})
    assert ok.status_code == 200 and ok.json()["email"] is False


async def test_a_belgian_mobile_is_stored_as_e164_and_gets_sms(api, community):
    _, phone, prefs = await signed_up(api, community, phone="+32 470 12 34 56")
    assert phone == "+32470123456"
    assert prefs["sms"] is True and prefs["sms_available"] is True


def test_national_numbers_are_read_in_the_accounts_country():
    assert to_e164("0470 12 34 56", "BE") == "+32470123456" and is_sms_capable("+32470123456")
    assert to_e164("02 512 34 56", "BE") == "+3225123456" and not is_sms_capable("+3225123456")  # Brussels landline
    assert to_e164("0033 6 12 34 56 78") == "+33612345678" == to_e164("+33 (0)6 12 34 56 78")
    assert not is_sms_capable("+33123456789") and not is_sms_capable("+33970123456")  # landline, 09 box
    assert not is_sms_capable("+4915123456789")  # a German mobile: contact only, the provider texts FR and BE
    assert to_e164("06 12") is None and to_e164("07 00 00 00 00") is None and to_e164("") is None


@pytest.mark.parametrize("phone", ["06 12", "+33 6 12 34 56 78 90", "pas un numéro", "07 00 00 00 00"])
async def test_an_invalid_number_is_refused_in_french_and_creates_nothing(api, community, phone):
    r = await api().post("/api/v1/auth/signup", signup_body(community, phone=phone))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_phone"
    assert r.json()["detail"].startswith("Numéro de téléphone invalide")
    assert await User.count() == 0 and await DeliveryPreference.count() == 0


async def test_the_migration_rewrites_stored_numbers_that_parse_and_leaves_the_others(fx_engine, fx_password_hash):
    migration = importlib.import_module("piccolo_migrations.vigie_2026_12_02t06_50_00_000000")
    ids = {}
    for n, phone in enumerate(["06 12 34 56 78", "0033 2 38 12 34 56", "+33699999999", "n/a", "+32 470 12 34 56"]):
        ids[phone] = await make_user(f"u{n}@example.fr", "Avant", "Migration", password_hash=fx_password_hash,
                                     phone=phone)
    for phone in ("06 12 34 56 78", "0033 2 38 12 34 56", "n/a"):  # SMS turned on before: only the mobile keeps it
        await DeliveryPreference.insert(DeliveryPreference(user=ids[phone], sms=True))
    assert await migration.normalise_stored_phones() == (3, 1)
    sms = {r["user"]: r["sms"] for r in await DeliveryPreference.select(DeliveryPreference.user, DeliveryPreference.sms)}
    assert sms == {ids["06 12 34 56 78"]: True, ids["0033 2 38 12 34 56"]: False, ids["n/a"]: False}
    stored = {r["id"]: r["phone"] for r in await User.select(User.id, User.phone)}
    assert [stored[ids[p]] for p in ids] == ["+33612345678", "+33238123456", "+33699999999", "n/a", "+32470123456"]
    assert await migration.normalise_stored_phones() == (0, 1)  # run again: nothing left to rewrite
