"""« Prévenir le référent police »: offered only where the commune has a police contact; an alert
flagged « police » without one still reaches the neighbours, and its author and the mairie inbox are
told nobody at the police got it; the police mail gives Paris time."""

from __future__ import annotations

import asyncio

from backend.alerts.jobs import forward_to_police
from backend.alerts.tables import Alert
from backend.communities.tables import Commune
from backend.delivery.service import LOCAL_TZ
from backend.delivery.tables import Outbox
from backend.demo import make_commune, make_community, make_user
from tests.alerts.helpers import ALERT, idem
from tests.builders import build_world

POLICE = "gendarmerie@test.vigie.fr"


async def test_the_form_options_say_whether_police_and_mairie_take_part(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    member = await api.as_user(w.email("member"))
    url = f"/api/v1/communities/{w.community}/alerts/options"
    assert (await member.get(url)).json() == {"police_contact": False, "mairie": True}
    await Commune.update({Commune.police_email: POLICE}).where(Commune.id == w.commune)
    assert (await member.get(url)).json() == {"police_contact": True, "mairie": True}
    # A commune whose mairie has no staff on Vigie: nobody would read what is forwarded there.
    lonely = await make_community(await make_commune("Sans-Mairie", "45997", "45990"), "Le Hameau")
    await make_user("hameau@test.vigie.fr", "Hugo", "Hameau", password_hash=fx_password_hash, community_id=lonely)
    hamlet = await api.as_user("hameau@test.vigie.fr")
    assert (await hamlet.get(f"/api/v1/communities/{lonely}/alerts/options")).json() == {
        "police_contact": False, "mairie": False}
    assert (await hamlet.get(url)).status_code == 403  # another community


async def test_police_flag_without_contact_alerts_neighbours_and_tells_author_and_mairie(api, fx_app,
                                                                                       fx_password_hash, fx_mail):
    w = await build_world(fx_password_hash)
    member = await api.as_user(w.email("member"))
    r = await member.post(f"/api/v1/communities/{w.community}/alerts", {**ALERT, "notify_police": True}, headers=idem())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["notify_police"] is True and created["police_no_contact"] is True
    assert (await member.get(f"/api/v1/alerts/{created['id']}")).json()["police_no_contact"] is True
    # The neighbours are alerted as usual; no police mail is queued nor sent.
    mails = await fx_mail.wait_for_async(1, timeout=10)
    assert w.email("referent") in {m.rcpt_tos[0] for m in mails}
    assert not await Outbox.exists().where((Outbox.kind == "alert_police") & (Outbox.ref_id == created["id"]))
    # The mairie inbox lists it, marked as not forwarded to the police.
    staff = await api.as_user(w.email("staff"))
    inbox = {i["alert"]["id"]: i["alert"] for i in (await staff.get(f"/api/v1/communes/{w.commune}/inbox")).json()}
    assert inbox[created["id"]]["police_no_contact"] is True and inbox[w.alert]["police_no_contact"] is False
    await asyncio.sleep(0.5)
    assert all(POLICE not in m.rcpt_tos for m in fx_mail.messages)


async def test_police_mail_gives_paris_time(api, fx_app, fx_password_hash, fx_mail):
    w = await build_world(fx_password_hash)
    await Commune.update({Commune.police_email: POLICE}).where(Commune.id == w.commune)
    member = await api.as_user(w.email("member"))
    r = await member.post(f"/api/v1/communities/{w.community}/alerts", {**ALERT, "notify_police": True}, headers=idem())
    assert r.status_code == 201 and r.json()["police_no_contact"] is False
    created_at = (await Alert.select(Alert.created_at).where(Alert.id == r.json()["id"]).first())["created_at"]
    deadline = asyncio.get_running_loop().time() + 10
    while not (police := [m for m in fx_mail.messages if list(m.rcpt_tos) == [POLICE]]):
        assert asyncio.get_running_loop().time() < deadline, "no police mail"
        await asyncio.sleep(0.1)
    text = police[0].message.get_body(preferencelist=("plain",)).get_content()
    assert f"Date : {created_at.astimezone(LOCAL_TZ):%d/%m/%Y à %H:%M} (heure de Paris)" in text
    assert "UTC" not in text


async def test_contact_removed_before_the_mail_left_marks_the_alert(api, fx_app, fx_password_hash, fx_settings):
    w = await build_world(fx_password_hash)
    await Alert.update({Alert.notify_police: True}).where(Alert.id == w.alert)
    assert await forward_to_police({"settings": fx_settings}, w.alert) == 0
    assert (await Alert.select(Alert.police_no_contact).where(Alert.id == w.alert).first())["police_no_contact"]
