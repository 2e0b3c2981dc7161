"""A send job that fails after claiming its rows hands back those whose outcome is unknown: they
go back to queued with a new job instead of staying `sending` for good (the live worker renews
the lease of every row it holds, so no other worker would ever take them over)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.delivery import kinds
from backend.delivery.jobs import send_email
from backend.delivery.kinds import Notice
from backend.delivery.outcomes import SentJournal
from backend.delivery.tables import Delivery
from backend.lib.queues import Queues
from backend.lib.valkey import make_client
from backend.settings import Settings
from tests.delivery.test_leases import rows

KIND = "test_flaky"
WORKER = "test:1:flaky0"


class FlakyNotices:
    """Its notice fails the first time it is asked for, as a database hiccup would."""

    def __init__(self) -> None:
        self.calls = 0

    async def audience(self, ref_id: int) -> None:
        return None

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionResetError("database connection lost")
        return Notice(title="Coupure d'eau", body="Demain de 8 h à 12 h.", url=f"/#/x/{ref_id}", tag="t",
                      event=KIND, ref_id=ref_id, email_subject="Coupure d'eau", email_text="Bonjour $first_name\n")


async def test_a_send_job_that_fails_after_its_claim_hands_its_rows_back_and_they_are_sent_once(
        fx_engine: Any, fx_settings: Settings, fx_mail: Any) -> None:
    ids = await rows(3, channel="email")
    await Delivery.update({Delivery.kind: KIND}).where(Delivery.id.is_in(ids))
    client = make_client(fx_settings.valkey_url)
    queues = Queues(client)
    ctx = {"settings": fx_settings, "queues": queues, "worker_id": WORKER}
    kinds.register(KIND, FlakyNotices())
    try:
        await SentJournal(client, WORKER).add([ids[0]])  # accepted by the relay before, not yet written
        with pytest.raises(ConnectionResetError):
            await send_email(ctx, delivery_ids=ids)
        stored = {r["id"]: r for r in await Delivery.select().where(Delivery.id.is_in(ids))}
        assert [stored[i]["state"] for i in ids] == ["sent", "queued", "queued"]  # none left `sending`
        assert "a échoué" in stored[ids[1]]["last_error"] and WORKER in stored[ids[1]]["last_error"]
        assert (await queues.depths())["email"] == 1  # a new job for the two handed back
        assert await send_email(ctx, delivery_ids=ids) == 2  # that job's run: only those two
        await fx_mail.wait_for_async(2)
        assert sorted(m.rcpt_tos[0] for m in fx_mail.messages) == sorted(
            r["email"] for r in await Delivery.raw(
                "SELECT u.email FROM deliveries d JOIN users u ON u.id = d.\"user\" WHERE d.id IN ({}, {})",
                ids[1], ids[2]))
        assert {r["state"] for r in await Delivery.select(Delivery.state).where(Delivery.id.is_in(ids))} == {"sent"}
    finally:
        kinds.KINDS.pop(KIND, None)
        await client.aclose()
