"""A live publish slower than PUBLISH_TIMEOUT is not lost: the caller goes on, the event still arrives,
and the outcome is counted (`vigie_live_publishes`) and logged."""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import REGISTRY

from backend.devtools.loopback import free_port
from backend.devtools.valkey import EmbeddedValkey
from backend.lib.valkey import make_client
from backend.live import service
from backend.live.service import LiveEvent, publish


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value("vigie_live_publishes_total",
                                     {"outcome": outcome}) or 0.0


async def _next_message(pubsub, timeout: float) -> dict | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is not None:
            return message
    return None


async def test_publish_held_up_past_the_timeout_still_reaches_the_dashboard(valkey, fx_settings, caplog):
    listener = make_client(fx_settings.valkey_url)
    pubsub = listener.pubsub()
    await pubsub.subscribe("staff:4242")
    late_before = _count("late")
    # Valkey holds every write (PUBLISH included) for 4 s: the heavy load under which the
    # safety check's live count went missing.
    await valkey.execute_command("CLIENT", "PAUSE", "4000", "WRITE")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="backend.live.service"):
        ok = await publish(valkey, LiveEvent("dashboard.updated", {"section": "safety_checks", "counts": {"ok": 1}},
                                             staff_commune_id=4242))
    waited = time.monotonic() - started
    assert ok is False and waited < service.PUBLISH_TIMEOUT + 1.5  # the answer to the resident did not wait longer
    assert "not published on ['staff:4242'] within 2 s (still under way)" in caplog.text

    message = await _next_message(pubsub, timeout=15)
    assert message is not None and b'"counts":{"ok":1}' in message["data"]  # delivered once Valkey let it through
    assert await service.settle_publishes(10) == 0
    assert _count("late") == late_before + 1
    await pubsub.aclose()
    await listener.aclose()


async def test_publish_failing_is_retried_then_dropped_loudly(caplog, monkeypatch):
    monkeypatch.setattr(service, "RETRY_DELAYS", (0.05, 0.05))
    client = make_client(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    dropped_before = _count("dropped")
    with caplog.at_level(logging.WARNING, logger="backend.live.service"):
        assert await publish(client, LiveEvent("dashboard.updated", {}, staff_commune_id=1)) is False
        assert await service.settle_publishes(10) == 0
    assert _count("dropped") == dropped_before + 1
    assert any(r.levelno == logging.ERROR and "DROPPED on ['staff:1'] after 3 attempts" in r.getMessage()
               for r in caplog.records)
    await client.aclose()


async def test_publish_during_a_valkey_outage_is_retried_and_arrives_once_valkey_is_back(tmp_path, monkeypatch):
    monkeypatch.setattr(service, "RETRY_DELAYS", (2.0, 2.0, 2.0, 2.0, 2.0))
    server = EmbeddedValkey(tmp_path / "valkey", port=free_port())  # not started: Valkey is down
    client = make_client(server.url)
    listener = None
    retried_before = _count("retried")
    try:
        assert await publish(client, LiveEvent("message.created", {"n": 7}, user_id=4243)) is False
        server.start()
        listener = make_client(server.url)
        pubsub = listener.pubsub()
        await pubsub.subscribe("user:4243")
        message = await _next_message(pubsub, timeout=15)
        assert message is not None and b'"n":7' in message["data"]
        assert await service.settle_publishes(10) == 0
        assert _count("retried") == retried_before + 1
        await pubsub.aclose()
    finally:
        for c in (client, listener):
            if c is not None:
                await c.aclose()
        server.stop()
