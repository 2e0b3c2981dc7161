"""« Corriger mes données »: name and phone, checked; a number that cannot receive SMS turns SMS alerts off."""

from __future__ import annotations

from backend.auth.tables import User
from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences
from tests.builders import build_world


async def test_member_corrects_name_and_phone(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    await delivery.set_preferences(w.users["member"], Preferences(push=True, email=True, sms=True))
    member = await api.as_user(w.email("member"))

    r = await member.put("/api/v1/privacy/identity", {"first_name": " Odette ", "last_name": "Lambert",
                                                      "phone": "06 98 76 54 32"})
    assert r.status_code == 200, r.text
    assert r.json() == {"first_name": "Odette", "last_name": "Lambert", "phone": "+33698765432", "sms_available": True}
    me = (await member.get("/api/v1/auth/me")).json()
    assert (me["first_name"], me["last_name"], me["phone"]) == ("Odette", "Lambert", "+33698765432")
    assert (await delivery.get_preferences(w.users["member"])).sms is True

    r = await member.put("/api/v1/privacy/identity", {"first_name": "Odette", "last_name": "Lambert",
                                                      "phone": "02 38 00 00 00"})  # a landline
    assert r.status_code == 200 and r.json()["sms_available"] is False
    assert (await delivery.get_preferences(w.users["member"])).sms is False

    for bad in ({"first_name": "", "last_name": "Lambert", "phone": "0698765432"},
                {"first_name": "Odette", "last_name": "Lambert", "phone": "pas un numéro"}):
        r = await member.put("/api/v1/privacy/identity", bad)
        assert r.status_code == 400 and r.json()["detail"], r.text
    row = await User.select(User.first_name, User.phone).where(User.id == w.users["member"]).first()
    assert row == {"first_name": "Odette", "phone": "+33238000000"}
    # Somebody else's account is never touched.
    other = await User.select(User.first_name).where(User.id == w.users["other_member"]).first()
    assert other["first_name"] == "Other_member"
