"""A mairie broadcast in each member's language (issue 14 item 4): the same urgence reaches a
resident who chose English in English on push, SMS and e-mail, and the others in French."""

from __future__ import annotations

from backend.auth.tables import User
from backend.mairie.notify import BROADCAST_KIND
from tests.alerts.helpers import wait_settled
from tests.mairie.helpers import BROADCAST, town


async def test_an_urgence_reaches_english_residents_in_english_and_the_others_in_french(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    t = await town(fx_settings, fx_password_hash, fx_push)
    english = t.residents["tilleul0"]
    await User.update({User.locale: "en"}).where(User.id == english)
    staff = await api.as_user(t.world.email("staff"))
    r = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                         {**BROADCAST, "severity": "urgence", "title": "Évacuation du quai"})
    assert r.status_code == 201, r.text
    await wait_settled(r.json()["id"], kind=BROADCAST_KIND)
    with_device = {uid for name, uid in t.residents.items() if not name.startswith("montval")}
    pushes = await fx_push.wait_for_async(len(with_device), timeout=20)
    texts = await fx_sms.wait_for_async(len(t.audience), timeout=20)
    mails = await fx_mail.wait_for_async(len(t.audience), timeout=20)

    sms = {m.to: m.text for m in texts}
    assert sms[t.phones[english]].startswith("TOWN HALL Bellerive-sur-Loire - EMERGENCY: Évacuation du quai.")
    french = [text for phone, text in sms.items() if phone != t.phones[english]]
    assert french and all(text.startswith("MAIRIE Bellerive-sur-Loire - URGENCE : ") for text in french)

    titles = {p.json["title"] for p in pushes}
    assert titles == {"Bellerive-sur-Loire town hall: Évacuation du quai",
                      "Mairie de Bellerive-sur-Loire : Évacuation du quai"}

    by_address = {m.rcpt_tos[0]: m.message for m in mails}
    mine = by_address[t.emails[english]]
    assert mine["Subject"] == "[Vigie] Bellerive-sur-Loire town hall — EMERGENCY: Évacuation du quai"
    text = mine.get_body(preferencelist=("plain",)).get_content()
    assert "The Bellerive-sur-Loire town hall informs residents (EMERGENCY, Flood):" in text
    assert "Read the announcement: " in text and "Hello " in text
    other = by_address[t.emails[t.residents["tilleul1"]]]
    assert other["Subject"].startswith("[Vigie] Mairie de Bellerive-sur-Loire — URGENCE : ")
    assert "informe les habitants (URGENCE, Inondation)" in other.get_body(preferencelist=("plain",)).get_content()
