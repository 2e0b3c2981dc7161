"""Inbound SMS: the sender's number is read as E.164 like the stored ones, whichever way the
provider writes it, and a member stored before E.164 (« 06 … ») is found once migrated."""

from __future__ import annotations

import importlib

from backend.alerts.tables import Alert
from tests.fixtures.channels import SMS_SECRET
from tests.alerts.helpers import neighbourhood
from tests.alerts.test_sms_inbound_and_moderation import post_inbound
from tests.fixtures.sms_emulator import inbound_request

from backend.auth.tables import User


async def test_an_sms_from_plus33_or_0033_finds_the_member_stored_as_06(api, fx_app, fx_settings, fx_password_hash,
                                                                        fx_push, fx_sms):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    # the author's number as an earlier version stored it, then the migration
    await User.update({User.phone: "06 99 99 99 99"}).where(User.id == hood.author)
    provider = api("provider")
    body, headers = inbound_request(SMS_SECRET, from_="+33699999999", text="Un volet forcé au 3 rue des Lilas", message_id="a1")
    assert (await post_inbound(provider, body, headers)).json()["status"] == "refused"  # not migrated yet
    await importlib.import_module("piccolo_migrations.vigie_2026_12_02t06_50_00_000000").normalise_stored_phones()
    for n, sender in enumerate(["+33699999999", "0033699999999", "06 99 99 99 99"]):
        body, headers = inbound_request(SMS_SECRET, from_=sender, text=f"Un volet forcé au {n + 3} rue des Lilas",
                                        message_id=f"b{n}")
        r = await post_inbound(provider, body, headers)
        assert r.status_code == 200 and r.json()["status"] == "alert_created", (sender, r.text)
    authors = {a["author"] for a in await Alert.select(Alert.author)}
    assert authors == {hood.author} and await Alert.count() == 3
