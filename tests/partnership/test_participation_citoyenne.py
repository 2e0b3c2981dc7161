"""« Participation citoyenne »: the convention (signatories, date, perimeter, the police/gendarmerie
referent), citizen referents, and the referent's acknowledgement of a forwarded alert through the
signed link of its e-mail (Paris time), read by the author and the mairie."""

from __future__ import annotations

from backend.alerts.jobs import police_ack_token
from backend.alerts.tables import Alert
from backend.communities.tables import Commune
from backend.delivery.service import LOCAL_TZ
from backend.partnership.applications import invitation_token
from tests.alerts.helpers import ALERT, idem
from tests.builders import build_world
from tests.partnership.helpers import mail_to, signed_days_ago, tampered, token_in

REFERENT = "brigade.bellerive@gendarmerie.interieur.gouv.fr"


def convention(w, **changes):
    body = {"signed_on": "2026-11-15", "mairie_signatory": "Mme Durand, maire", "force": "gendarmerie",
            "force_signatory": "Capitaine Martin, brigade de Bellerive", "prefecture_signatory": "Le préfet du Loiret",
            "referent_name": "Adjudant Leroux", "referent_unit": "Brigade de Bellerive", "referent_email": REFERENT,
            "referent_phone": "02 38 11 22 33", "community_ids": [w.community, w.sibling]}
    return {**body, **changes}


async def test_staff_record_the_convention_and_another_commune_cannot(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    staff = await api.as_user(w.email("staff"))
    url = f"/api/v1/communes/{w.commune}/partnership"
    empty = (await staff.get(url)).json()
    assert empty["recorded"] is False and empty["communities"] == [] and empty["mairie_joined_at"] is None
    saved = await staff.put(url, convention(w))
    assert saved.status_code == 200, saved.text
    got = (await staff.get(url)).json()
    assert got["recorded"] and got["signed_on"] == "2026-11-15" and got["force"] == "gendarmerie"
    assert got["referent_phone"] == "+33238112233"
    assert sorted(c["name"] for c in got["communities"]) == ["Centre-Bourg", "Les Tilleuls"]
    # The referent's address is where alerts flagged « police » go.
    assert (await Commune.select(Commune.police_email).where(Commune.id == w.commune).first())["police_email"] == REFERENT
    # Another commune's staff: neither read nor write; members neither.
    other = await api.as_user(w.email("other_staff"))
    assert (await other.get(url)).status_code == 403
    assert (await other.put(url, convention(w, mairie_signatory="Intrus"))).status_code == 403
    assert (await (await api.as_user(w.email("member"))).get(url)).status_code == 403
    assert (await staff.get(url)).json()["mairie_signatory"] == "Mme Durand, maire"
    # A neighbourhood of another commune is not part of the perimeter; errors in French change nothing.
    foreign = await staff.put(url, convention(w, community_ids=[w.community, w.foreign]))
    assert foreign.status_code == 400 and "pas de votre commune" in foreign.json()["detail"]
    assert (await staff.put(url, convention(w, force="armée"))).status_code == 400
    assert (await staff.put(url, convention(w, signed_on="15/11/2026"))).status_code == 400
    assert (await staff.put(url, convention(w, community_ids=[]))).status_code == 400
    assert len((await staff.get(url)).json()["communities"]) == 2


async def test_citizen_referents_are_verified_members_of_the_commune(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    staff = await api.as_user(w.email("staff"))
    url = f"/api/v1/communes/{w.commune}/partnership/citizen-referents"
    named = await staff.post(url, {"user_id": w.users["referent"]})
    assert named.status_code == 200, named.text
    assert [(r["name"], r["communities"]) for r in named.json()["citizen_referents"]] == [
        ("Referent Test", ["Les Tilleuls"])]
    for role in ("unverified", "other_staff", "moderator"):  # pending member, not a member here
        refused = await staff.post(url, {"user_id": w.users[role]})
        assert refused.status_code == 400 and "membre vérifié" in refused.json()["detail"], role
    other = await api.as_user(w.email("other_staff"))
    assert (await other.delete(f"{url}/{w.users['referent']}")).status_code == 403
    removed = await staff.delete(f"{url}/{w.users['referent']}")
    assert removed.status_code == 200 and removed.json()["citizen_referents"] == []
    assert (await staff.delete(f"{url}/{w.users['referent']}")).status_code == 404


async def test_police_referent_acknowledges_through_the_signed_link(api, fx_app, fx_password_hash, fx_mail):
    w = await build_world(fx_password_hash)
    staff = await api.as_user(w.email("staff"))
    assert (await staff.put(f"/api/v1/communes/{w.commune}/partnership", convention(w))).status_code == 200
    member = await api.as_user(w.email("member"))
    r = await member.post(f"/api/v1/communities/{w.community}/alerts", {**ALERT, "notify_police": True},
                          headers=idem())
    assert r.status_code == 201 and r.json()["police_no_contact"] is False
    alert_id = r.json()["id"]
    created_at = (await Alert.select(Alert.created_at).where(Alert.id == alert_id).first())["created_at"]
    text = await mail_to(fx_mail, REFERENT)
    assert f"Date : {created_at.astimezone(LOCAL_TZ):%d/%m/%Y à %H:%M} (heure de Paris)" in text
    assert "UTC" not in text and "Accuser réception" in text and "valable 30 jours" in text
    token = token_in(text, "/#/police/accuse")

    # Before: nobody acknowledged; the author and the mairie see that.
    assert (await member.get(f"/api/v1/alerts/{alert_id}/police-acknowledgement")).json()["acknowledged"] is False
    anonymous = api()
    seen = (await anonymous.post("/api/v1/police-acknowledgements/view", {"token": token})).json()
    assert (seen["title"], seen["community"], seen["commune"], seen["acknowledged"]) == (
        "Camionnette blanche", "Les Tilleuls", "Bellerive-sur-Loire", False)
    nameless = await anonymous.post("/api/v1/police-acknowledgements", {"token": token, "note": "Vu."})
    assert nameless.status_code == 400 and "votre nom" in nameless.json()["detail"]
    ack = await anonymous.post("/api/v1/police-acknowledgements",
                               {"token": token, "name": "Adjudant Leroux", "note": "Patrouille passée à 22 h."})
    assert ack.status_code == 201, ack.text
    again = await anonymous.post("/api/v1/police-acknowledgements", {"token": token, "name": "X", "note": ""})
    assert again.status_code == 409 and "déjà été prise en compte" in again.json()["detail"]

    # The author and the mairie read it; a neighbour and another commune's staff do not.
    mine = (await member.get(f"/api/v1/alerts/{alert_id}/police-acknowledgement")).json()
    assert (mine["acknowledged"], mine["by"], mine["note"]) == (True, "Adjudant Leroux", "Patrouille passée à 22 h.")
    assert (await staff.get(f"/api/v1/alerts/{alert_id}/police-acknowledgement")).json()["acknowledged"] is True
    listed = (await staff.get(f"/api/v1/communes/{w.commune}/partnership/police-alerts")).json()
    assert [(a["alert_id"], a["acknowledgement"]["note"]) for a in listed] == [(alert_id, "Patrouille passée à 22 h.")]
    for role in ("other_member", "other_staff"):
        other = await api.as_user(w.email(role))
        assert (await other.get(f"/api/v1/alerts/{alert_id}/police-acknowledgement")).status_code == 403, role
    assert (await (await api.as_user(w.email("other_staff"))).get(
        f"/api/v1/communes/{w.commune}/partnership/police-alerts")).status_code == 403
    assert (await anonymous.post("/api/v1/police-acknowledgements/view", {"token": token})).json()["note"] == \
        "Patrouille passée à 22 h."


async def test_police_link_tampered_expired_or_of_another_kind_is_refused(api, fx_app, fx_password_hash, fx_settings):
    w = await build_world(fx_password_hash)
    await Alert.update({Alert.notify_police: True}).where(Alert.id == w.alert)
    anonymous = api()
    good = police_ack_token(fx_settings.secret_key, w.alert)
    body = {"name": "Brigadier Test", "note": "Vu."}
    bad = await anonymous.post("/api/v1/police-acknowledgements", {"token": tampered(good), **body})
    assert bad.status_code == 400 and "pas valide" in bad.json()["detail"]
    with signed_days_ago(fx_settings.police_ack_link_days + 1):
        old = police_ack_token(fx_settings.secret_key, w.alert)
    expired = await anonymous.post("/api/v1/police-acknowledgements", {"token": old, **body})
    assert expired.status_code == 410 and "expiré" in expired.json()["detail"]
    # A token signed for another purpose (an agent's invitation) opens nothing here.
    other = invitation_token(fx_settings.secret_key, w.alert, "x")
    assert (await anonymous.post("/api/v1/police-acknowledgements", {"token": other, **body})).status_code == 400
    member = await api.as_user(w.email("member"))
    assert (await member.get(f"/api/v1/alerts/{w.alert}/police-acknowledgement")).json()["acknowledged"] is False
    # An alert not flagged « police »: its link (were one forged with the key) shows nothing.
    await Alert.update({Alert.notify_police: False}).where(Alert.id == w.alert)
    assert (await anonymous.post("/api/v1/police-acknowledgements/view", {"token": good})).status_code == 404


async def test_the_referents_address_is_one_the_convention_and_the_mairie_card_share(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    staff = await api.as_user(w.email("staff"))
    url = f"/api/v1/communes/{w.commune}/partnership"
    assert (await staff.put(url, convention(w))).status_code == 200
    # Changed on the mairie's card (« Contact police ») …
    moved = "accueil.bellerive@gendarmerie.interieur.gouv.fr"
    r = await staff.put(f"/api/v1/communes/{w.commune}/police-contact", {"police_email": moved})
    assert r.status_code == 200, r.text
    # … the convention shows the same address, where the alerts flagged « police » go.
    assert (await staff.get(url)).json()["referent_email"] == moved
    # And saved again from the convention, the card follows.
    assert (await staff.put(url, convention(w, referent_email=REFERENT))).status_code == 200
    assert (await staff.get(f"/api/v1/communes/{w.commune}/police-contact")).json()["police_email"] == REFERENT
