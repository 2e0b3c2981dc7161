"""« Mairie vigilante et solidaire »: a mairie applies without an account, its commune picked from the
official list (INSEE); an admin approves or refuses; the approval opens the commune on Vigie when it is
not there yet, approved agents get their accounts by an invitation link and the commune is marked as
taking part (`Commune.mairie_joined_at`)."""

from __future__ import annotations

import pytest

from backend.auth.tables import User
from backend.communities.official import import_communes
from backend.communities.tables import Commune, MairieStaff
from backend.demo import make_commune, make_user
from backend.lib import clock
from backend.lib.french import PARIS
from backend.partnership.applications import invitation_token
from tests.builders import build_world
from tests.partnership.helpers import mail_to, signed_days_ago, tampered, token_in


SAINT_JEAN, SANTEAU = "45286", "45301"  # in the official list (Loiret): Saint-Jean-le-Blanc 45650, Santeau 45170


@pytest.fixture(autouse=True)
async def official_list(fx_clean, fx_engine):
    await import_communes(only={SAINT_JEAN, SANTEAU})


def application(insee_code: str, **changes):
    body = {"insee_code": insee_code, "contact_name": "Hélène Garnier", "contact_role": "Secrétaire de mairie",
            "contact_email": "secretariat@mairie-saint-aubin.fr", "contact_phone": "02 38 00 00 00",
            "agents": [{"first_name": "Louis", "last_name": "Perrin", "email": "l.perrin@mairie-saint-aubin.fr"},
                       {"first_name": "Staff", "last_name": "Test", "email": "staff@test.vigie.fr"}],
            "message": "Nous souhaitons rejoindre Vigie."}
    return {**body, **changes}


async def test_commune_search_is_public_and_gives_names_and_codes_only(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    anonymous = api()
    by_name = (await anonymous.get("/api/v1/communes/search", params={"q": "bellerive"})).json()
    assert by_name == [{"id": w.commune, "insee_code": "45999", "name": "Bellerive-sur-Loire", "postal_codes": ["45100"],
                        "country": "FR", "country_name": "France"}]
    assert [c["id"] for c in (await anonymous.get("/api/v1/communes/search", params={"q": "452"})).json()] == [
        w.other_commune]
    assert [c["id"] for c in (await anonymous.get("/api/v1/communes/search", params={"q": "45998"})).json()] == [
        w.other_commune]  # by INSEE code
    short = await anonymous.get("/api/v1/communes/search", params={"q": "b"})
    assert short.status_code == 400 and "2 caractères" in short.json()["detail"]


async def test_approved_application_opens_the_commune_invites_agents_and_marks_it(api, fx_app, fx_password_hash,
                                                                                   fx_mail):
    w = await build_world(fx_password_hash)
    r = await api().post("/api/v1/mairie-applications", application(SAINT_JEAN))
    assert r.status_code == 201, r.text
    assert r.json()["commune_name"] == "Saint-Jean-le-Blanc" and r.json()["status"] == "pending"
    # An anonymous applicant creates no commune row: only the approval does.
    assert not await Commune.exists().where(Commune.insee_code == SAINT_JEAN)
    received = await mail_to(fx_mail, "secretariat@mairie-saint-aubin.fr", "reçu")
    assert "Louis Perrin (l.perrin@mairie-saint-aubin.fr)" in received and "Saint-Jean-le-Blanc" in received
    # Only admins read the applications; the contact's phone is stored as E.164.
    admin = await api.as_user(w.email("admin"))
    listed = (await admin.get("/api/v1/mairie-applications?status=pending")).json()
    assert [(a["commune_id"], a["commune_name"], a["insee_code"], a["contact_phone"], a["status"])
            for a in listed] == [(None, "Saint-Jean-le-Blanc", SAINT_JEAN, "+33238000000", "pending")]
    assert (await (await api.as_user(w.email("staff"))).get("/api/v1/mairie-applications")).status_code == 403

    approved = await admin.post(f"/api/v1/mairie-applications/{listed[0]['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["commune_joined_at"]
    # Opened from the official list: its name, postal codes, département and population.
    opened = await Commune.select(Commune.id, Commune.name, Commune.postal_codes, Commune.departement,
                                  Commune.population, Commune.mairie_joined_at).where(
        Commune.insee_code == SAINT_JEAN).first()
    commune = opened["id"]
    assert (opened["name"], opened["postal_codes"], opened["departement"], opened["population"]) == (
        "Saint-Jean-le-Blanc", "45650", "45", 9562)
    assert approved.json()["commune_id"] == commune and approved.json()["commune_name"] == "Saint-Jean-le-Blanc"
    joined = opened["mairie_joined_at"]
    assert joined is not None and joined.astimezone(PARIS).date() == clock.now().astimezone(PARIS).date()
    staff_ids = {r["user"] for r in await MairieStaff.select(MairieStaff.user).where(MairieStaff.commune == commune)}
    assert staff_ids == {w.users["staff"], (await User.select(User.id).where(
        User.email == "l.perrin@mairie-saint-aubin.fr").first())["id"]}
    assert {c["id"]: c["mairie_joined_at"] for c in (await admin.get("/api/v1/communes")).json()}[commune] == \
        joined.isoformat()
    assert "participe à Vigie depuis le" in await mail_to(fx_mail, "secretariat@mairie-saint-aubin.fr", "rejoint")

    # The new agent: an invitation link, used once, to choose a password; then staff of Saint-Jean-le-Blanc.
    invitation = await mail_to(fx_mail, "l.perrin@mairie-saint-aubin.fr", "compte d'agent")
    assert "Saint-Jean-le-Blanc" in invitation
    token = token_in(invitation, "/#/invitation")
    anonymous = api()
    check = await anonymous.post("/api/v1/invitations/check", {"token": token})
    assert check.json() == {"first_name": "Louis", "email": "l.perrin@mairie-saint-aubin.fr",
                            "commune_name": "Saint-Jean-le-Blanc"}
    assert (await anonymous.post("/api/v1/invitations/accept", {"token": token, "password": "court"})).status_code == 400
    assert (await anonymous.post("/api/v1/invitations/accept",
                                 {"token": token, "password": "mairie-saint-aubin-2026"})).status_code == 200
    again = await anonymous.post("/api/v1/invitations/accept", {"token": token, "password": "autre-mot-de-passe"})
    assert again.status_code == 410 and "déjà servi" in again.json()["detail"]
    agent = await api.as_user("l.perrin@mairie-saint-aubin.fr", "mairie-saint-aubin-2026")
    mine = await agent.get(f"/api/v1/communes/{commune}/partnership")
    assert mine.status_code == 200 and mine.json()["mairie_joined_at"] == joined.isoformat()
    assert (await agent.get(f"/api/v1/communes/{w.commune}/partnership")).status_code == 403
    # An agent who already had an account is told, without an invitation; the principal is fresh.
    staff_mail = await mail_to(fx_mail, "staff@test.vigie.fr", "vous êtes agent")
    assert "jeton" not in staff_mail
    staff = await api.as_user(w.email("staff"))
    assert (await staff.get(f"/api/v1/communes/{commune}/partnership")).status_code == 200
    # Decided once: a second decision is refused; the commune cannot apply again.
    assert (await admin.post(f"/api/v1/mairie-applications/{listed[0]['id']}/refuse",
                             {"reason": "x"})).status_code == 409
    twice = await api().post("/api/v1/mairie-applications", application(SAINT_JEAN))
    assert twice.status_code == 409 and "participe déjà" in twice.json()["detail"]
    assert await Commune.count().where(Commune.insee_code == SAINT_JEAN) == 1


async def test_a_commune_already_on_vigie_is_kept_and_one_with_staff_already_takes_part(api, fx_app,
                                                                                       fx_password_hash):
    w = await build_world(fx_password_hash)
    santeau = await make_commune("Santeau", SANTEAU, "45170")
    r = await api().post("/api/v1/mairie-applications", application(SANTEAU))
    assert r.status_code == 201, r.text
    admin = await api.as_user(w.email("admin"))
    approved = await admin.post(f"/api/v1/mairie-applications/{r.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["commune_id"] == santeau and await Commune.count().where(
        Commune.insee_code == SANTEAU) == 1
    # Saint-Jean-le-Blanc opened by an admin, its staff appointed by hand: its mairie already takes part.
    opened = (await admin.post("/api/v1/communes", {"insee_code": SAINT_JEAN})).json()
    await MairieStaff.insert(MairieStaff(commune=opened["id"], user=w.users["member"]))
    taken = await api().post("/api/v1/mairie-applications", application(SAINT_JEAN))
    assert taken.status_code == 409 and "participe déjà" in taken.json()["detail"]


async def test_refused_application_mails_the_reason(api, fx_app, fx_password_hash, fx_mail):
    w = await build_world(fx_password_hash)
    first = (await api().post("/api/v1/mairie-applications", application(SAINT_JEAN))).json()
    pending = await api().post("/api/v1/mairie-applications", application(SAINT_JEAN))
    assert pending.status_code == 409 and "déjà en cours" in pending.json()["detail"]
    admin = await api.as_user(w.email("admin"))
    no_reason = await admin.post(f"/api/v1/mairie-applications/{first['id']}/refuse", {"reason": "  "})
    assert no_reason.status_code == 400 and "motif" in no_reason.json()["detail"]
    refused = await admin.post(f"/api/v1/mairie-applications/{first['id']}/refuse",
                               {"reason": "Le contact n'est pas joignable à la mairie."})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    text = await mail_to(fx_mail, "secretariat@mairie-saint-aubin.fr", "n'a pas été acceptée")
    assert "Motif : Le contact n'est pas joignable à la mairie." in text
    assert not await Commune.exists().where(Commune.insee_code == SAINT_JEAN)  # refused: never opened
    assert not [m for m in fx_mail.messages if "l.perrin@mairie-saint-aubin.fr" in m.rcpt_tos]
    # Refused, the commune may apply again.
    assert (await api().post("/api/v1/mairie-applications", application(SAINT_JEAN))).status_code == 201


async def test_application_form_refuses_what_is_wrong_in_french(api, fx_app, fx_password_hash):
    await build_world(fx_password_hash)
    commune = SAINT_JEAN
    anonymous = api()
    cases = [
        (application("45999"), 400, "pas dans la liste officielle"),  # Bellerive: a test commune, not official
        (application("4528"), 400, "Code INSEE invalide"),
        (application(commune, agents=[]), 400, "au moins un agent"),
        (application(commune, contact_email="pas-une-adresse"), 400, "e-mail invalide"),
        (application(commune, contact_phone="12"), 400, "téléphone"),
        (application(commune, contact_name=" "), 400, "nom du contact"),
        (application(commune, agents=[{"first_name": "A", "last_name": "B", "email": "a@x.fr"}] * 2), 400, "deux fois"),
    ]
    for body, status, words in cases:
        r = await anonymous.post("/api/v1/mairie-applications", body)
        assert r.status_code == status and words in r.json()["detail"], (body, r.text)
    admin = await api.as_user("admin@test.vigie.fr")
    assert (await admin.get("/api/v1/mairie-applications")).json() == []  # nothing was recorded


async def test_invitation_link_tampered_or_expired_is_refused(api, fx_app, fx_password_hash, fx_settings):
    await build_world(fx_password_hash)
    user_id = await make_user("invitee@test.vigie.fr", "Inès", "Invitée", password_hash="!invited")
    anonymous = api()
    good = invitation_token(fx_settings.secret_key, user_id, "!invited")
    bad = await anonymous.post("/api/v1/invitations/accept", {"token": tampered(good), "password": "un-mot-de-passe"})
    assert bad.status_code == 400 and "pas valide" in bad.json()["detail"]
    with signed_days_ago(fx_settings.mairie_invitation_days + 1):
        old = invitation_token(fx_settings.secret_key, user_id, "!invited")
    expired = await anonymous.post("/api/v1/invitations/check", {"token": old})
    assert expired.status_code == 410 and "expiré" in expired.json()["detail"]
    assert (await anonymous.post("/api/v1/invitations/check", {"token": good})).status_code == 200


async def test_each_partnership_mail_speaks_its_recipients_language(api, fx_app, fx_password_hash, fx_mail):
    w = await build_world(fx_password_hash)  # staff@test.vigie.fr, an agent named below, reads Vigie in French
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    r = await api().post("/api/v1/mairie-applications", application(SAINT_JEAN), headers=english)
    assert r.status_code == 201, r.text
    received = await mail_to(fx_mail, "secretariat@mairie-saint-aubin.fr", "application is received")
    assert received.startswith("Hello Hélène Garnier") and "Louis Perrin (l.perrin@mairie-saint-aubin.fr)" in received

    admin = await api.as_user(w.email("admin"))
    pending = (await admin.get("/api/v1/mairie-applications?status=pending")).json()
    assert (await admin.post(f"/api/v1/mairie-applications/{pending[0]['id']}/approve")).status_code == 200
    approved = await mail_to(fx_mail, "secretariat@mairie-saint-aubin.fr", "joins Vigie")
    assert "Saint-Jean-le-Blanc town hall has taken part in Vigie since" in approved
    assert clock.now().astimezone(PARIS).strftime("%B") in approved  # « 2 December 2026 »
    invited = await mail_to(fx_mail, "l.perrin@mairie-saint-aubin.fr", "staff account")  # a new account: English
    assert "To choose your password, open this link" in invited and "/#/invitation?jeton=" in invited
    assert (await User.select(User.locale).where(User.email == "l.perrin@mairie-saint-aubin.fr").first()) == {
        "locale": "en"}
    added = await mail_to(fx_mail, "staff@test.vigie.fr", "vous êtes agent")  # their own choice: French
    assert added.startswith("Bonjour Staff")

    r = await api().post("/api/v1/mairie-applications", application(SANTEAU), headers=english)
    assert r.status_code == 201, r.text
    refused = await admin.post(f"/api/v1/mairie-applications/{r.json()['id']}/refuse", {"reason": "Pièces manquantes."})
    assert refused.status_code == 200, refused.text
    text = await mail_to(fx_mail, "secretariat@mairie-saint-aubin.fr", "was not accepted")
    assert "Reason: Pièces manquantes." in text
