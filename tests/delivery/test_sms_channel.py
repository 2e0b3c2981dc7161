"""SMS adapter: segment counting, fitting French alerts, outbox and HTTP providers, the shared
rate limit in Valkey, and the inbound webhook signature."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from backend.delivery.channels.sms import (
    HttpSms, OutboxSms, SmsOut, acquire_sms_quota, fit_sms, make_sms_sender, sms_encoding, sms_segments,
    transliterate_gsm7, verify_inbound_signature,
)  # fmt: skip
from backend.devtools.loopback import free_port
from backend.lib.valkey import make_client
from backend.settings import Settings
from tests.fixtures.sms_emulator import SIGNATURE_HEADER, TIMESTAMP_HEADER, SmsEmulator, inbound_request

KEY = "sms-test-key"
UNREACHABLE = "+33600000000"
LINK = "https://vigie.example/a/4f1c9"
FRENCH = (
    "Alerte Les Tilleuls : voiture suspecte garée rue de l’Église depuis ce matin, deux hommes à "
    "l’intérieur observent les fenêtres. « Soyez vigilants » — la gendarmerie est prévenue ; "
    "côté forêt, près du château d’eau, un portail a été forcé. Noël approche : fermez garages, "
    "abris et sœurs… pardon, serres ! Ne laissez rien de visible dans les véhicules."
)


# --------------------------------------------------------------------------- segments


@pytest.mark.parametrize("text,encoding,segments", [
    ("", "gsm7", 0),
    ("a" * 160, "gsm7", 1),
    ("a" * 161, "gsm7", 2),
    ("a" * 306, "gsm7", 2),
    ("a" * 307, "gsm7", 3),
    ("é è à ù ç É ü ñ", "gsm7", 1),
    ("€" * 80, "gsm7", 1),  # extension characters count two septets
    ("€" * 81, "gsm7", 2),
    ("a" * 159 + "[", "gsm7", 2),
    ("a" * 152 + "€" + "a" * 152, "gsm7", 3),  # an escape pair is not split across parts
    ("ê" * 70, "ucs2", 1),
    ("ê" * 71, "ucs2", 2),
    ("ê" * 134, "ucs2", 2),
    ("ê" * 135, "ucs2", 3),
    ("🚨" * 35, "ucs2", 1),  # outside the BMP: two UTF-16 units each
    ("🚨" * 36, "ucs2", 2),
])  # fmt: skip
def test_segments_are_counted_like_a_phone(text: str, encoding: str, segments: int) -> None:
    assert sms_encoding(text) == encoding
    assert sms_segments(text) == segments


def test_french_typography_is_transliterated_to_gsm7() -> None:
    assert transliterate_gsm7("« Fenêtre » ouverte — l’œuf côté île, Noël, À bientôt…") == (
        '"Fenetre" ouverte - l\'oeuf coté ile, Noel, A bientot...'
    )
    assert transliterate_gsm7("Rue de l'Église, déjà vu, où ça ?") == "Rue de l'Église, déjà vu, où ça ?"


def test_long_french_alert_is_cut_to_two_gsm7_segments_keeping_the_link() -> None:
    text = fit_sms(FRENCH, LINK)
    message = f"{text} {LINK}"
    assert sms_encoding(message) == "gsm7"
    assert sms_segments(message) == 2
    assert text.endswith("...") and not text.endswith(" ...")
    assert text.startswith("Alerte Les Tilleuls : voiture suspecte garée rue de l'Église")
    assert len(message) > 290  # it uses the room it has
    assert sms_segments(fit_sms(FRENCH, LINK, max_segments=1) + " " + LINK) == 1


def test_short_alert_is_kept_whole() -> None:
    assert fit_sms("Fenêtre forcée rue des Lilas", LINK) == "Fenetre forcée rue des Lilas"
    assert fit_sms("  Chien perdu  ", LINK) == "Chien perdu"


def test_text_that_must_stay_ucs2_is_cut_with_a_single_character_ellipsis() -> None:
    text = fit_sms("🚨 Fenêtre forcée " * 20, LINK)
    message = f"{text} {LINK}"
    assert sms_encoding(message) == "ucs2" and sms_segments(message) <= 2
    assert text.endswith("…") and "Fenêtre" in text  # accents kept: it is UCS-2 anyway


def test_a_cut_that_drops_the_only_ucs2_character_sends_the_rest_in_gsm7() -> None:
    # « n°14 » keeps the whole text in UCS-2, but the cut falls before it: what is left goes in
    # GSM-7 with twice the room. In August (« août ») this SMS used to lose half its words.
    text = fit_sms("VIGIE veille : pas de nouvelles de Odette Martin depuis le mardi 17 août à 10:00 "
                   "(3 rendez-vous sans réponse). Adresse : 3 rue des Lilas, Bellerive. "
                   "Note : Clés chez Mme Roux au n°14, porte de derrière. Diabétique, appeler sa fille." * 2, LINK)
    message = f"{text} {LINK}"
    assert sms_encoding(message) == "gsm7" and sms_segments(message) == 2
    assert "17 aout à 10:00 (3 rendez-vous sans réponse)" in text and text.endswith("...")


# --------------------------------------------------------------------------- outbox


async def test_outbox_provider_writes_one_json_file_per_message(fx_base_settings: Settings, tmp_path: Path) -> None:
    settings = fx_base_settings.with_(outbox_dir=str(tmp_path), sms_provider="outbox")
    async with aiohttp.ClientSession() as session:
        sender = make_sms_sender(settings, session)
        assert isinstance(sender, OutboxSms)
        results = await sender.send_many([SmsOut("d-1", "+33612345678", "Alerte : rue des Lilas"),
                                          SmsOut("../d 2", "+33612345679", "Fenêtre " * 30)])  # fmt: skip
    assert [(r.ref, r.outcome) for r in results] == [("d-1", "sent"), ("../d 2", "sent")]
    files = sorted((tmp_path / "sms").glob("*.json"))
    assert [f.name for f in files] == [r.provider_id for r in results]
    assert files[0].name.endswith("-d-1.json") and files[1].name.endswith("-___d_2.json")
    first, second = (json.loads(f.read_text("utf-8")) for f in files)
    assert {k: first[k] for k in ("ref", "to", "text", "segments")} == {
        "ref": "d-1", "to": "+33612345678", "text": "Alerte : rue des Lilas", "segments": 1,
    }  # fmt: skip
    assert first["date"].endswith("+00:00") and second["segments"] == 4


# --------------------------------------------------------------------------- HTTP provider


@pytest.fixture(scope="module")
def emulator() -> Iterator[SmsEmulator]:
    with SmsEmulator(api_key=KEY, reject_numbers={UNREACHABLE}) as server:
        yield server


@pytest.fixture
async def http(emulator: SmsEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    emulator.clear()
    async with aiohttp.ClientSession() as session:
        yield session


def http_settings(base: Settings, url: str, key: str = KEY) -> Settings:
    return base.with_(sms_provider="http", sms_http_url=url, sms_api_key=key, sms_sender="VIGIE")


async def test_http_provider_accepts_a_batch_with_our_sender_and_key(
    fx_base_settings: Settings, emulator: SmsEmulator, http: aiohttp.ClientSession
) -> None:
    sender = make_sms_sender(http_settings(fx_base_settings, emulator.messages_url), http)
    assert isinstance(sender, HttpSms)
    batch = [SmsOut(f"d-{i}", f"+336123456{i:02d}", f"Alerte {i} : rue des Lilas") for i in range(150)]
    batch.insert(3, SmsOut("d-x", UNREACHABLE, "Alerte"))
    results = await sender.send_many(batch)
    assert [r.ref for r in results] == [m.ref for m in batch]
    assert results[3].outcome == "failed" and results[3].reason == "rejected: unreachable_destination"
    sent = [r for r in results if r.outcome == "sent"]
    assert len(sent) == 150 and all(r.provider_id and r.provider_id.startswith("sms_") for r in sent)
    received = await emulator.wait_for_async(150)
    assert emulator.calls == 2  # batches of 100
    assert {m.sender for m in received} == {"VIGIE"}
    assert {(m.ref, m.to, m.text) for m in received} == {(m.ref, m.to, m.text) for m in batch if m.to != UNREACHABLE}

    again = await sender.send_many(batch[:2])  # a retried batch is not sent twice
    assert [(r.outcome, r.reason) for r in again] == [("sent", "duplicate")] * 2
    assert [r.provider_id for r in again] == [r.provider_id for r in results[:2]]


@pytest.mark.parametrize("status", [503, 429])
async def test_unavailable_or_throttling_provider_means_retry(
    fx_base_settings: Settings, emulator: SmsEmulator, http: aiohttp.ClientSession, status: int
) -> None:
    sender = HttpSms(http_settings(fx_base_settings, emulator.messages_url), http)
    emulator.fail_next(1, status, retry_after=7)
    results = await sender.send_many([SmsOut("a", "+33612345678", "Alerte"), SmsOut("b", "+33612345679", "Alerte")])
    assert [r.outcome for r in results] == ["retry", "retry"]
    assert results[0].reason.startswith(str(status)) and "Retry-After: 7" in results[0].reason
    assert emulator.messages == []
    assert [r.outcome for r in await sender.send_many([SmsOut("a", "+33612345678", "Alerte")])] == ["sent"]


async def test_wrong_api_key_fails_without_retry(
    fx_base_settings: Settings, emulator: SmsEmulator, http: aiohttp.ClientSession
) -> None:
    sender = HttpSms(http_settings(fx_base_settings, emulator.messages_url, key="wrong"), http)
    [result] = await sender.send_many([SmsOut("a", "+33612345678", "Alerte")])
    assert (result.outcome, result.provider_id) == ("failed", None)
    assert result.reason == "401 unauthorized"
    assert emulator.messages == []


async def test_invalid_message_fails_alone_and_the_rest_of_its_batch_is_sent(
    fx_base_settings: Settings, emulator: SmsEmulator, http: aiohttp.ClientSession
) -> None:
    sender = HttpSms(http_settings(fx_base_settings, emulator.messages_url), http)
    results = await sender.send_many([SmsOut("a", "+33612345678", "Alerte"), SmsOut("b", "0612", "Alerte"),
                                      SmsOut("c", "+33612345679", "Alerte")])  # fmt: skip
    assert [r.outcome for r in results] == ["sent", "failed", "sent"]
    assert results[1].reason.startswith("invalid_request: to must be an E.164 number")
    assert sorted(m.ref for m in await emulator.wait_for_async(2)) == ["a", "c"]


async def test_unreachable_provider_means_retry(fx_base_settings: Settings, http: aiohttp.ClientSession) -> None:
    sender = HttpSms(http_settings(fx_base_settings, f"http://127.0.0.1:{free_port()}/api/v1/messages"), http)
    [result] = await sender.send_many([SmsOut("a", "+33612345678", "Alerte")])
    assert result.outcome == "retry" and "connection error" in result.reason


# --------------------------------------------------------------------------- rate limit


async def test_provider_rate_limit_makes_callers_wait(fx_valkey: Any) -> None:
    client = make_client(fx_valkey.url)
    provider = f"test-{time.monotonic_ns()}"
    try:
        assert await acquire_sms_quota(client, provider, 50, per_second=50) == 0  # one second's burst
        wait = await acquire_sms_quota(client, provider, 25, per_second=50)
        assert 0.3 < wait <= 0.5

        started, sent = time.monotonic(), 0
        while sent < 100:  # a worker's loop: ask, sleep as told, ask again
            wait = await acquire_sms_quota(client, provider, 25, per_second=50)
            if wait:
                await asyncio.sleep(wait)
            else:
                sent += 25
        assert 1.8 < time.monotonic() - started < 3.0  # 100 messages at 50/s after a full burst

        other = f"{provider}-other"  # providers are limited separately
        assert await acquire_sms_quota(client, other, 50, per_second=50) == 0
    finally:
        await client.aclose()


async def test_batch_larger_than_the_rate_goes_alone_then_holds_the_next_one(fx_valkey: Any) -> None:
    client = make_client(fx_valkey.url)
    provider = f"test-{time.monotonic_ns()}"
    try:
        assert await acquire_sms_quota(client, provider, 100, per_second=20) == 0
        assert 4.0 < await acquire_sms_quota(client, provider, 1, per_second=20) <= 5.0
    finally:
        await client.aclose()


async def test_rate_limit_fails_open_when_valkey_is_down() -> None:
    client = make_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        assert await acquire_sms_quota(client, "down", 10, per_second=1) == 0
    finally:
        await client.aclose()


# --------------------------------------------------------------------------- inbound


def test_inbound_signature_of_the_provider_is_accepted() -> None:
    body, headers = inbound_request("s3cret", from_="+33612345678", text="Voiture suspecte rue des Lilas")
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert verify_inbound_signature("s3cret", body, ts, sig, time.time())
    assert verify_inbound_signature("s3cret", body, ts, sig, int(ts) + 299)


def test_inbound_with_wrong_secret_or_tampered_body_is_refused() -> None:
    body, headers = inbound_request("s3cret", from_="+33612345678", text="Voiture suspecte")
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    now = time.time()
    assert not verify_inbound_signature("other", body, ts, sig, now)
    assert not verify_inbound_signature("s3cret", body.replace(b"suspecte", b"suspecta"), ts, sig, now)
    assert not verify_inbound_signature("s3cret", body, str(int(ts) + 1), sig, now)
    assert not verify_inbound_signature("s3cret", body, ts, sig.upper(), now)
    assert not verify_inbound_signature("s3cret", body, ts, sig.removeprefix("sha256="), now)
    assert not verify_inbound_signature("", body, ts, sig, now)


def test_stale_or_future_inbound_is_refused() -> None:
    now = int(time.time())
    for timestamp in (now - 301, now + 301):
        body, headers = inbound_request("s3cret", from_="+33612345678", text="x", timestamp=timestamp)
        assert not verify_inbound_signature("s3cret", body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], now)


@pytest.mark.parametrize("ts,sig", [(None, "sha256=00"), ("1767225600", None), ("", ""), ("17672256e2", "sha256=0"),
                                    ("-1767225600", "sha256=0"), ("1767225600\n", "sha256=0")])  # fmt: skip
def test_inbound_without_or_with_malformed_headers_is_refused(ts: str | None, sig: str | None) -> None:
    assert not verify_inbound_signature("s3cret", b"{}", ts, sig, 1767225600)
