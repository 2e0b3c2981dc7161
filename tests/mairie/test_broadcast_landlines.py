"""An urgent broadcast forces SMS, but only to mobiles: a landline (French or Belgian) gets no text,
its row says why. Mobile-ness is decided when a phone is saved (sign-up, « Mes données », the
migration's backfill) into users.phone_mobile, which the fan-out reads without parsing numbers."""

from __future__ import annotations

import importlib
from collections import Counter

from backend.auth.tables import User
from backend.demo import make_user
from backend.mairie.notify import BROADCAST_KIND
from tests.alerts.helpers import wait_settled
from tests.auth.test_signup_and_login import signup_body
from tests.mairie.helpers import BROADCAST, town

LANDLINE = "numéro fixe : pas de SMS"


async def test_urgence_texts_french_and_belgian_mobiles_and_skips_landlines(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    t = await town(fx_settings, fx_password_hash, fx_push)
    community = t.world.community
    # A resident corrects their number to a French landline in « Mes données » (the profile).
    fr_fixe = t.residents["tilleul3"]
    client = await api.as_user(t.emails[fr_fixe])
    r = await client.put("/api/v1/privacy/identity", {"first_name": "Tilleul3", "last_name": "Habitant",
                                                      "phone": "02 38 12 34 56"})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "+33238123456" and r.json()["sms_available"] is False
    be_mobile = await make_user("be.gsm@test.vigie.fr", "Lien", "Peeters", password_hash=fx_password_hash,
                                phone="+32470123456", community_id=community)
    be_fixe = await make_user("be.fixe@test.vigie.fr", "Marc", "Dubois", password_hash=fx_password_hash,
                              phone="+3225123456", community_id=community)  # Brussels landline
    mobiles = {u: p for u, p in t.phones.items() if u in t.audience and u != fr_fixe}
    mobiles[be_mobile] = "+32470123456"
    flags = {r["id"]: r["phone_mobile"] for r in await User.select(User.id, User.phone_mobile)}
    assert not flags[fr_fixe] and not flags[be_fixe] and flags[be_mobile]

    staff = await api.as_user(t.world.email("staff"))
    urgent = {**BROADCAST, "severity": "urgence", "title": "Évacuation du quai"}
    preview = (await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts/preview", urgent)).json()
    assert preview["by_channel"]["sms"] == len(mobiles)  # the estimate counts no landline
    r = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts", urgent)
    assert r.status_code == 201, r.text
    rows = await wait_settled(r.json()["id"], kind=BROADCAST_KIND)
    texts = await fx_sms.wait_for_async(len(mobiles), timeout=20)
    assert Counter(m.to for m in texts) == Counter(mobiles.values())
    sms = {row["user"]: (row["state"], row["reason"]) for row in rows if row["channel"] == "sms"}
    assert sms[fr_fixe] == ("skipped", LANDLINE) and sms[be_fixe] == ("skipped", LANDLINE)
    assert {u for u, (state, _) in sms.items() if state == "sent"} == set(mobiles)
    # The landlines still get the broadcast on their other channels.
    emails = {row["user"]: row["state"] for row in rows if row["channel"] == "email"}
    assert emails[fr_fixe] == "sent" and emails[be_fixe] == "sent"


async def test_sign_up_records_whether_the_phone_is_a_mobile(api, fx_engine):
    from backend.demo import make_commune, make_community

    community = await make_community(await make_commune(), "Les Tilleuls")
    cases = {"06 12 34 56 78": True, "02 38 12 34 56": False, "+32 470 12 34 56": True, "+32 2 512 34 56": False}
    for n, phone in enumerate(cases):
        r = await api().post("/api/v1/auth/signup", signup_body(
            community, email=f"u{n}@example.fr", phone=phone, address_line1=f"{n + 1} rue des Lilas"))
        assert r.status_code == 201, r.text
    stored = {r["email"]: bool(r["phone_mobile"]) for r in await User.select(User.email, User.phone_mobile)}
    assert stored == {f"u{n}@example.fr": mobile for n, mobile in enumerate(cases.values())}


async def test_the_migration_backfills_phone_mobile_for_existing_rows(fx_engine, fx_password_hash):
    migration = importlib.import_module("piccolo_migrations.vigie_2026_12_02t15_50_10_000000")
    phones = {"+33612345678": True, "+33238123456": False, "+32470123456": True, "+3225123456": False,
              "": False, "n/a": False}
    ids = {p: await make_user(f"u{n}@example.fr", "Avant", "Migration", password_hash=fx_password_hash, phone=p)
           for n, p in enumerate(phones)}
    await User.update({User.phone_mobile: False}, force=True)  # as the column's default leaves rows before
    assert await migration.backfill_phone_mobile() == 2
    stored = {r["id"]: bool(r["phone_mobile"]) for r in await User.select(User.id, User.phone_mobile)}
    assert {p: stored[ids[p]] for p in phones} == phones


async def test_the_register_refuses_sms_contact_for_a_landline_in_french(
        api, fx_app, fx_settings, fx_password_hash, fx_push):
    from backend.register.tables import RegisterEntry
    from tests.register.helpers import cast

    c = await cast(fx_settings, fx_password_hash, fx_push)
    alice = await api.as_user(c.email("alice"))
    r = await alice.post("/api/v1/register/me", {"community_id": c.world.community, "channel": "sms",
                                                 "phone": "02 38 12 34 56"})
    assert r.status_code == 400 and r.json()["code"] == "not_a_mobile", r.text
    assert r.json()["detail"].startswith("Ce numéro est un fixe")
    assert await RegisterEntry.count() == 0
    ok = await alice.post("/api/v1/register/me", {"community_id": c.world.community, "channel": "call",
                                                  "phone": "02 38 12 34 56"})
    assert ok.status_code == 201, ok.text
