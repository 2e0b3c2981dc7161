"""SMS go to the provider through the proxy the environment names, as pushes do (test_push_proxy.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from backend.delivery.batches import http_session
from backend.delivery.channels.sms import SmsOut, make_sms_sender
from backend.settings import Settings
from tests.delivery.test_push_proxy import ForwardProxy
from tests.fixtures.sms_emulator import SmsEmulator

KEY = "proxy-test-key"


@pytest.fixture(scope="module")
def emulator() -> Iterator[SmsEmulator]:
    with SmsEmulator(api_key=KEY) as server:
        yield server


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    async with ForwardProxy() as running:
        yield running


async def test_a_worker_sends_sms_through_the_proxy_of_the_environment(
    fx_base_settings: Settings, emulator: SmsEmulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    settings = fx_base_settings.with_(sms_provider="http", sms_http_url=emulator.messages_url, sms_api_key=KEY,
                                      sms_sender="VIGIE")
    ctx: dict[str, Any] = {"settings": settings}
    session = await http_session(ctx)  # the worker's session, as send_sms gets it
    try:
        sender = make_sms_sender(settings, session)
        [result] = await sender.send_many([SmsOut(ref="d-1", to="+33612345678", text="Alerte : par le proxy")])
    finally:
        await session.close()
    assert result.outcome == "sent"
    assert [m.text for m in emulator.messages][-1] == "Alerte : par le proxy"
    assert proxy.requests == [f"POST {emulator.messages_url}"]
