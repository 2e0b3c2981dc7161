"""SMTP sessions kept open from one e-mail job to the next (`SmtpPool`), seen from the relay: the
second batch arrives over the sessions of the first; a session the relay dropped while it waited
is replaced without losing a message; the pool keeps no more than it may and closes what it keeps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from backend.delivery.channels.email import MailTemplate, SmtpPool, render_template_bytes, send_rendered
from backend.devtools.mailcatcher import MailCatcher
from backend.settings import Settings

NOTE = MailTemplate(subject="Coupure d'eau", text="Bonjour $name,\n\nCoupure demain de 8 h à 12 h.\n")


def batch(settings: Settings, tag: str, count: int) -> list[tuple[str, str, bytes]]:
    return [(f"{tag}-{i}", f"{tag}{i}@example.org",
             render_template_bytes(settings, NOTE, f"{tag}{i}@example.org", {"name": f"Voisin {i}"}))
            for i in range(count)]  # fmt: skip


def peers(catcher: MailCatcher, tag: str) -> set[tuple[str, int] | None]:
    return {m.peer for m in catcher.messages if m.rcpt_tos[0].startswith(tag)}


@pytest.fixture
async def relay() -> AsyncIterator[MailCatcher]:
    """A relay of this test's own, which it may restart."""
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


async def test_the_second_batch_goes_over_the_sessions_of_the_first(
        fx_base_settings: Settings, relay: MailCatcher) -> None:
    settings = fx_base_settings.with_(smtp_port=relay.port)
    async with SmtpPool(settings) as pool:
        first = await send_rendered(settings, batch(settings, "a", 40), connections=4, pool=pool)
        second = await send_rendered(settings, batch(settings, "b", 40), connections=4, pool=pool)
        assert {r.outcome for r in first + second} == {"sent"}
        assert pool.opened == 4  # not 8: the second batch opened none
    await relay.wait_for_async(80)
    assert len(peers(relay, "a")) == 4 and None not in peers(relay, "a")
    assert peers(relay, "b") <= peers(relay, "a")


async def test_without_a_pool_each_call_opens_and_closes_its_own(
        fx_base_settings: Settings, relay: MailCatcher) -> None:
    settings = fx_base_settings.with_(smtp_port=relay.port)
    await send_rendered(settings, batch(settings, "a", 8), connections=2)
    await send_rendered(settings, batch(settings, "b", 8), connections=2)
    await relay.wait_for_async(16)
    assert not peers(relay, "a") & peers(relay, "b")


async def test_sessions_a_restarted_relay_dropped_are_replaced_without_losing_a_message(
        fx_base_settings: Settings, relay: MailCatcher) -> None:
    settings = fx_base_settings.with_(smtp_port=relay.port)
    async with SmtpPool(settings) as pool:
        assert {r.outcome for r in await send_rendered(settings, batch(settings, "a", 12), 3, pool=pool)} == {"sent"}
        relay.stop()  # the relay restarts between two jobs: the kept sessions are dead
        restarted = MailCatcher(port=relay.port)
        restarted.start()
        try:
            results = await send_rendered(settings, batch(settings, "b", 12), connections=3, pool=pool)
            assert [(r.ref, r.outcome) for r in results] == [(f"b-{i}", "sent") for i in range(12)]
            assert pool.opened == 6  # three fresh sessions, after each kept one failed its NOOP
            caught = await restarted.wait_for_async(12)
            assert sorted(m.rcpt_tos[0] for m in caught) == sorted(f"b{i}@example.org" for i in range(12))
        finally:
            restarted.stop()


async def test_a_full_pool_closes_the_sessions_it_cannot_keep(
        fx_base_settings: Settings, relay: MailCatcher) -> None:
    settings = fx_base_settings.with_(smtp_port=relay.port)
    async with SmtpPool(settings, keep=2) as pool:
        await send_rendered(settings, batch(settings, "a", 20), connections=4, pool=pool)
        await send_rendered(settings, batch(settings, "b", 20), connections=4, pool=pool)
        assert pool.opened == 6  # 4, then the 2 it could not keep opened again
    await relay.wait_for_async(40)
    assert len(peers(relay, "b") & peers(relay, "a")) == 2


async def test_sessions_idle_longer_than_allowed_are_not_taken_again(
        fx_base_settings: Settings, relay: MailCatcher) -> None:
    settings = fx_base_settings.with_(smtp_port=relay.port)
    async with SmtpPool(settings, idle_seconds=0.05) as pool:
        await send_rendered(settings, batch(settings, "a", 6), connections=2, pool=pool)
        await asyncio.sleep(0.1)
        await send_rendered(settings, batch(settings, "b", 6), connections=2, pool=pool)
        assert pool.opened == 4
    await relay.wait_for_async(12)
    assert not peers(relay, "a") & peers(relay, "b")


async def test_a_refused_message_leaves_its_session_fit_for_the_next_batch(
        fx_base_settings: Settings, relay: MailCatcher) -> None:
    settings = fx_base_settings.with_(smtp_port=relay.port)
    async with SmtpPool(settings) as pool:
        relay.refuse_with = 550
        refused = await send_rendered(settings, batch(settings, "a", 3), connections=1, pool=pool)
        relay.refuse_with = None
        sent = await send_rendered(settings, batch(settings, "b", 3), connections=1, pool=pool)
        assert [r.outcome for r in refused] == ["failed"] * 3 and [r.outcome for r in sent] == ["sent"] * 3
        assert pool.opened == 1  # the envelope was reset after each refusal: the session serves on


async def test_closing_the_pool_ends_its_sessions(fx_base_settings: Settings, relay: MailCatcher) -> None:
    settings = fx_base_settings.with_(smtp_port=relay.port)
    pool = SmtpPool(settings)
    await send_rendered(settings, batch(settings, "a", 4), connections=2, pool=pool)
    kept = list(pool._idle)
    assert len(kept) == 2 and all(smtp.is_connected for smtp, _ in kept)
    await pool.close()
    assert not pool._idle and not any(smtp.is_connected for smtp, _ in kept)
