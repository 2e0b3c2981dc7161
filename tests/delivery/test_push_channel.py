"""Web Push adapter against the loopback push service: delivered, sorted failures, SSRF guard."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from backend.delivery.channels.endpoints import is_allowed_endpoint
from backend.delivery.channels.push import PushResult, PushSender, PushTarget
from backend.delivery.channels.vapid import ensure_vapid_keys, public_key_b64
from backend.settings import Settings
from tests.fixtures.webpush_receiver import WebPushReceiver

PAYLOAD = json.dumps({"title": "Alerte", "body": "Voiture suspecte rue des Lilas", "url": "/alerts/42"}).encode()


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebPushReceiver]:
    with WebPushReceiver() as server:
        yield server


@pytest.fixture
def settings(fx_base_settings: Settings, receiver: WebPushReceiver) -> Settings:
    receiver.clear()
    settings = fx_base_settings.with_(push_allow_http_loopback=True)
    ensure_vapid_keys(settings)
    return settings


def target(sub: dict[str, Any], ref: int = 1, endpoint: str | None = None) -> PushTarget:
    return PushTarget(ref, endpoint or sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])


async def test_alert_push_is_decrypted_by_the_push_service_with_vapid_and_headers(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    key = public_key_b64(settings)
    subs = [receiver.new_subscription(application_server_key=key) for _ in range(3)]
    async with PushSender(settings) as sender:
        results = await sender.send_many(
            [target(s, ref=i) for i, s in enumerate(subs)], PAYLOAD, ttl=3600, urgency="high", topic="alert-42"
        )
        one = await sender.send_one(target(subs[0], ref=9), b'{"n": 2}', ttl=60, urgency="normal")
    assert [(r.ref, r.outcome, r.status) for r in results] == [(0, "sent", 201), (1, "sent", 201), (2, "sent", 201)]
    assert (one.ref, one.outcome) == (9, "sent")
    pushes = await receiver.wait_for_async(4)
    alert = [p for p in pushes if p.topic == "alert-42"]
    assert sorted(p.subscription_id for p in alert) == sorted(receiver.subscription_id(s) for s in subs)
    for push in alert:
        assert push.json == json.loads(PAYLOAD)
        assert (push.ttl, push.urgency, push.vapid_sub) == (3600, "high", settings.vapid_subject)
    [single] = [p for p in pushes if p.topic is None]
    assert (single.json, single.ttl, single.urgency) == ({"n": 2}, 60, "normal")


async def test_each_target_can_get_its_own_payload_and_results_stream_as_they_come(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    subs = [receiver.new_subscription() for _ in range(4)]
    targets = [target(s, ref=10 + i) for i, s in enumerate(subs)]
    targets.append(PushTarget(99, "https://evil.example/push", subs[0]["keys"]["p256dh"], subs[0]["keys"]["auth"]))
    seen: list[tuple[int, str]] = []

    async def on_result(result: PushResult) -> None:
        seen.append((result.ref, result.outcome))

    def payload_of(t: PushTarget) -> bytes:
        return json.dumps({"delivery_id": t.ref}).encode() if t.ref != 13 else b"x" * 3001

    async with PushSender(settings) as sender:
        results = await sender.send_many(targets, payload_of, ttl=60, urgency="high", on_result=on_result)
    assert [(r.ref, r.outcome, r.reason) for r in results] == [
        (10, "sent", ""), (11, "sent", ""), (12, "sent", ""), (13, "failed", "payload too large"),
        (99, "failed", "endpoint not allowed"),
    ]  # fmt: skip
    assert sorted(seen) == sorted((r.ref, r.outcome) for r in results)
    pushes = await receiver.wait_for_async(3)
    assert sorted(p.json["delivery_id"] for p in pushes) == [10, 11, 12]


async def test_one_vapid_signature_serves_every_push_to_an_origin(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    subs = [receiver.new_subscription() for _ in range(25)]
    async with PushSender(settings) as sender:
        first = await sender.send_many([target(s, i) for i, s in enumerate(subs)], PAYLOAD, ttl=60, urgency="normal")
        again = await sender.send_many([target(s, i) for i, s in enumerate(subs)], PAYLOAD, ttl=60, urgency="normal")
        assert sender.signer.signed == 1
    assert {r.outcome for r in first + again} == {"sent"}
    await receiver.wait_for_async(50)
    assert all(a.status == 201 for a in receiver.attempts)


async def test_a_batch_keeps_its_requests_in_flight_without_a_task_for_each(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    subs = [receiver.new_subscription() for _ in range(200)]
    peak = 0

    async def count_tasks() -> None:
        nonlocal peak
        while True:
            peak = max(peak, len(asyncio.all_tasks()))
            await asyncio.sleep(0)

    async with PushSender(settings) as sender:
        # a first batch opens the connections (each opening is a task of its own, rare once they are kept)
        await sender.send_many([target(s, i) for i, s in enumerate(subs)], PAYLOAD, ttl=60, urgency="normal")
        before = len(asyncio.all_tasks())
        counter = asyncio.create_task(count_tasks())
        results = await sender.send_many([target(s, i) for i, s in enumerate(subs)], PAYLOAD, ttl=60,
                                         urgency="normal", concurrency=64)
        counter.cancel()
    assert [r.outcome for r in results] == ["sent"] * 200 and sender.connections_opened <= 64
    assert peak == before + 1  # the counter itself: the batch's requests answer through callbacks, not tasks


async def test_batches_sharing_a_small_pool_all_go_out_on_its_few_connections(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    subs = [receiver.new_subscription("slow", delay=0.02) for _ in range(24)]
    async with PushSender(settings, pool_size=3) as sender:
        first, second = await asyncio.wait_for(asyncio.gather(*(
            sender.send_many([target(s, i) for i, s in enumerate(subs[half::2])], PAYLOAD, ttl=60, urgency="normal",
                             concurrency=8) for half in (0, 1))), 10)
        assert sender.connections_opened == 3
    assert [r.outcome for r in first + second] == ["sent"] * 24
    await receiver.wait_for_async(24)


async def test_an_origin_whose_connections_are_all_busy_does_not_hold_the_others(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    slow = [receiver.new_subscription("slow", delay=0.5) for _ in range(2)]
    with WebPushReceiver() as other:
        fast = [other.new_subscription() for _ in range(2)]
        when: dict[int, float] = {}
        started = time.monotonic()

        async def on_result(result: PushResult) -> None:
            when[result.ref] = time.monotonic() - started

        async with PushSender(settings, pool_size=1) as sender:  # one connection per origin
            results = await sender.send_many([target(slow[0], 1), target(slow[1], 2), target(fast[0], 3),
                                              target(fast[1], 4)], PAYLOAD, ttl=60, urgency="normal",
                                             on_result=on_result)
    assert [(r.ref, r.outcome) for r in results] == [(1, "sent"), (2, "sent"), (3, "sent"), (4, "sent")]
    assert when[3] < 0.4 and when[4] < 0.4  # not behind the slow origin's queue
    assert when[2] >= 0.95  # its two pushes went one after the other on its one connection


async def test_pushes_count_in_flight_until_handed_on_and_a_cancelled_batch_stops_counting(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    from prometheus_client import REGISTRY

    def in_flight() -> float:
        return REGISTRY.get_sample_value("vigie_sends_in_flight", {"channel": "push"}) or 0.0

    subs = [receiver.new_subscription("slow", delay=0.5) for _ in range(6)]
    before = in_flight()
    async with PushSender(settings) as sender:
        fast = [receiver.new_subscription() for _ in range(4)]  # 4 kept connections for the slow batch
        await sender.send_many([target(s, i) for i, s in enumerate(fast)], PAYLOAD, ttl=60, urgency="normal")
        batch = asyncio.create_task(sender.send_many([target(s, i) for i, s in enumerate(subs)], PAYLOAD, ttl=60,
                                                     urgency="normal", concurrency=4))
        deadline = time.monotonic() + 5
        while in_flight() < before + 4 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert in_flight() == before + 4  # the concurrency, no more
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        assert in_flight() == before
        await asyncio.sleep(0.05)
        assert sender.connections_busy == 0  # the requests on the wire given up with the batch, not awaited


async def test_token_is_signed_again_for_another_origin_and_when_its_reuse_ends(settings: Settings) -> None:
    async with PushSender(settings) as sender:
        signer = sender.signer
        a = signer.authorization("https://fcm.googleapis.com", now=1_000_000)
        assert signer.authorization("https://fcm.googleapis.com", now=1_000_000 + 3600) == a
        assert signer.authorization("https://web.push.apple.com", now=1_000_000) != a
        assert signer.authorization("https://fcm.googleapis.com", now=1_000_000 + signer.reuse) != a
        assert signer.signed == 3
        assert signer.lifetime <= 24 * 3600 and signer.reuse < signer.lifetime


@pytest.mark.parametrize("behaviour,status", [("gone", 410), ("not_found", 404), ([400], 400)])
async def test_dead_subscription_is_reported_gone(
    settings: Settings, receiver: WebPushReceiver, behaviour: Any, status: int
) -> None:
    sub = receiver.new_subscription(behaviour)
    async with PushSender(settings) as sender:
        result = await sender.send_one(target(sub, ref=5), PAYLOAD, ttl=60, urgency="normal")
    assert (result.ref, result.outcome, result.status) == (5, "gone", status)
    assert receiver.received == []


@pytest.mark.parametrize("status", [429, 503, 500])
async def test_throttled_or_unavailable_push_service_is_retried(
    settings: Settings, receiver: WebPushReceiver, status: int
) -> None:
    sub = receiver.new_subscription([status])
    async with PushSender(settings) as sender:
        failed = await sender.send_one(target(sub), PAYLOAD, ttl=60, urgency="normal")
        later = await sender.send_one(target(sub), PAYLOAD, ttl=60, urgency="normal")
    assert (failed.outcome, failed.status) == ("retry", status)
    assert (later.outcome, later.status) == ("sent", 201)


async def test_slow_push_service_times_out_and_is_retried(settings: Settings, receiver: WebPushReceiver) -> None:
    slow = receiver.new_subscription("slow", delay=1.0)
    fine = receiver.new_subscription()
    started = time.monotonic()
    async with PushSender(settings, timeout=0.3) as sender:
        results = await sender.send_many([target(slow, 1), target(fine, 2)], PAYLOAD, ttl=60, urgency="normal")
    assert time.monotonic() - started < 1.5
    assert [(r.ref, r.outcome, r.status, r.reason) for r in results] == [
        (1, "retry", None, "timeout"), (2, "sent", 201, ""),
    ]  # fmt: skip
    while len(receiver.attempts) < 2 and time.monotonic() - started < 5:
        await asyncio.sleep(0.05)  # let the slow request finish on the receiver before it stops


async def test_endpoints_off_the_allow_list_fail_without_any_request(
    settings: Settings, receiver: WebPushReceiver
) -> None:
    sub = receiver.new_subscription()
    port = receiver.port
    endpoints = [
        "http://169.254.169.254/latest/meta-data/",
        "https://evil.example/push/1",
        "https://fcm.googleapis.com.evil.com/fcm/send/1",
        "https://user@fcm.googleapis.com/fcm/send/1",
        f"http://localhost:{port}/push/{receiver.subscription_id(sub)}",
    ]
    started = time.monotonic()
    async with PushSender(settings) as sender:
        results = await sender.send_many([target(sub, i, e) for i, e in enumerate(endpoints)], PAYLOAD, ttl=60,
                                          urgency="high")  # fmt: skip
        # the receiver itself, once plain-HTTP loopback is not allowed
        strict = PushSender(settings.with_(push_allow_http_loopback=False), signer=sender.signer)
        async with strict:
            refused = await strict.send_one(target(sub, 9), PAYLOAD, ttl=60, urgency="high")
    assert time.monotonic() - started < 0.5
    assert [(r.outcome, r.status, r.reason) for r in results + [refused]] == [
        ("failed", None, "endpoint not allowed")
    ] * 6
    assert receiver.attempts == []


async def test_payload_over_3000_bytes_fails_before_sending(settings: Settings, receiver: WebPushReceiver) -> None:
    sub = receiver.new_subscription()
    async with PushSender(settings) as sender:
        [result] = await sender.send_many([target(sub)], b"x" * 3001, ttl=60, urgency="normal")
        fits = await sender.send_one(target(sub, 2), b"y" * 3000, ttl=60, urgency="normal")
    assert (result.outcome, result.status, result.reason) == ("failed", None, "payload too large")
    assert fits.outcome == "sent"
    [push] = await receiver.wait_for_async(1)
    assert push.payload == b"y" * 3000 and len(receiver.attempts) == 1


async def test_malformed_subscription_keys_fail_without_request(settings: Settings, receiver: WebPushReceiver) -> None:
    sub = receiver.new_subscription()
    broken = PushTarget(3, sub["endpoint"], "not-a-key", sub["keys"]["auth"])
    async with PushSender(settings) as sender:
        result = await sender.send_one(broken, PAYLOAD, ttl=60, urgency="normal")
        with pytest.raises(ValueError):
            await sender.send_one(target(sub), PAYLOAD, ttl=60, urgency="urgent")
        with pytest.raises(ValueError):
            await sender.send_one(target(sub), PAYLOAD, ttl=60, urgency="high", topic="alerte n°42")
    assert (result.outcome, result.status) == ("failed", None)
    assert result.reason.startswith("invalid subscription keys")
    assert receiver.attempts == []


@pytest.mark.parametrize("url", [
    "https://fcm.googleapis.com/fcm/send/abc:def",
    "https://FCM.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com:443/fcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
    "https://web.push.apple.com/QGuQyavXutnMP",
    "https://api.push.apple.com/3/device/abc",
])  # fmt: skip
def test_push_service_endpoints_are_allowed(fx_base_settings: Settings, url: str) -> None:
    assert is_allowed_endpoint(fx_base_settings, url)


@pytest.mark.parametrize("url", [
    "http://fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com:8443/fcm/send/abc",
    "https://fcm.googleapis.com.evil.com/fcm/send/abc",
    "https://evilfcm.googleapis.com/fcm/send/abc",
    "https://push.services.mozilla.com/wpush/v2/x",
    "https://evilpush.services.mozilla.com/wpush/v2/x",
    "https://user@fcm.googleapis.com/fcm/send/abc",
    "https://user:pw@fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com@evil.example/fcm/send/abc",
    "https://fcm.googleapis.com\\@evil.example/",
    "https://evil.example#@fcm.googleapis.com/",
    "https://evil.example?@fcm.googleapis.com/",
    "https://fcm.googleapis.com./fcm/send/abc",
    "https://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "https://[::1]/push",
    "https://127.0.0.1/push",
    "http://127.0.0.1:8080/push/1",
    " https://fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com/fcm/send/abc\r\nHost: evil",
    "https://fcm.googleapis.çom/",
    "fcm.googleapis.com/fcm/send/abc",
    "javascript:alert(1)",
    "",
])  # fmt: skip
def test_other_endpoints_are_refused(fx_base_settings: Settings, url: str) -> None:
    assert not is_allowed_endpoint(fx_base_settings.with_(push_allow_http_loopback=False), url)


def test_plain_http_is_allowed_only_to_the_loopback_receiver_when_enabled(fx_base_settings: Settings) -> None:
    loopback = fx_base_settings.with_(push_allow_http_loopback=True)
    strict = fx_base_settings.with_(push_allow_http_loopback=False)
    assert is_allowed_endpoint(loopback, "http://127.0.0.1:8080/push/1")
    assert not is_allowed_endpoint(strict, "http://127.0.0.1:8080/push/1")
    for url in ("http://localhost:8080/push/1", "http://127.0.0.1/push/1", "http://127.0.0.2:8080/push/1",
                "http://127.0.0.1:8080@evil.example/", "http://10.0.0.1:8080/push/1"):  # fmt: skip
        assert not is_allowed_endpoint(loopback, url), url
