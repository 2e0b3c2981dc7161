"""A `vigie worker` SIGKILLed in the middle of a 500-member fan-out, another started at once: the
rest goes out within 15 s, raw duplicates stay within the sends in flight + 10 (all with the same
delivery id, or the same Message-ID), and the API shows `sending` during the run, `sent` after.

At most 16 pushes or 32 e-mails are in flight at the kill (tests/delivery/worker_kill.py). "Within 15 s"
counts from the new worker's first heartbeat (a live worker available), not from its process
start. Before leases and the outcome journal, the same run resent every row the dead worker
held (up to 200 for push, 800 for e-mail) after 120 s.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.delivery.worker_kill import IN_FLIGHT, MEMBERS, WorkerKill, counts, fanout_alert


@pytest.mark.parametrize("channel", ["push", "email"])
async def test_a_worker_killed_mid_fanout_is_taken_over_within_seconds_with_bounded_invisible_repeats(
        channel, fx_app_factory, fx_settings, fx_password_hash, fx_push, fx_mail) -> None:
    fx_push.clear()
    fx_mail.clear()
    hood, author, alert_id = await fanout_alert(fx_app_factory, fx_settings, fx_password_hash, fx_push, channel)

    def arrived() -> int:
        return fx_push.count if channel == "push" else len(fx_mail.messages)

    async def while_dead() -> None:  # what the dead worker held shows as sending
        during = await counts(author, alert_id, channel)
        assert during["sending"] > 0 and during["sent"] < MEMBERS

    run = WorkerKill(fx_settings, channel)
    rows = await run.run(alert_id, arrived, lambda: len(unique_keys(channel, fx_push, fx_mail)), while_dead)

    if channel == "push":
        copies = Counter(p.json["delivery_id"] for p in fx_push.received)
        assert Counter(p.subscription_id for p in fx_push.received).keys() == {
            fx_push.subscription_id(s[0]) for s in hood.subs.values()}
    else:
        copies = Counter(m.message["Message-ID"] for m in fx_mail.messages)
        by_address: dict[str, set[str]] = {}
        for m in fx_mail.messages:
            by_address.setdefault(m.rcpt_tos[0], set()).add(m.message["Message-ID"])
        assert set(by_address) == set(hood.emails.values())
        assert all(len(ids) == 1 for ids in by_address.values())  # a resend is the same message
    duplicates = sum(n - 1 for n in copies.values())
    print(f"\n{channel}: {run.at_kill} arrived at the kill, {duplicates} duplicates, done {run.finished:.1f} s after "
          f"the new worker's first heartbeat ({run.since_kill:.1f} s after the kill)")
    assert len(copies) == MEMBERS
    assert duplicates <= IN_FLIGHT[channel] + 10
    assert run.finished <= 15
    assert {r["state"] for r in rows if r["channel"] == channel} == {"sent"}
    taken = [r for r in rows if "ne répond plus" in r["last_error"]]
    assert taken and all(r["attempts"] == 2 for r in taken)
    after = await counts(author, alert_id, channel)
    assert (after["sending"], after["queued"], after["sent"]) == (0, 0, MEMBERS)
    await author.aclose()


def unique_keys(channel: str, fx_push: Any, fx_mail: Any) -> set:
    if channel == "push":
        return {p.json["delivery_id"] for p in fx_push.received}
    return {m.message["Message-ID"] for m in fx_mail.messages}
