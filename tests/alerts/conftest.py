"""Alert delivery fixtures: the loopback push service, the SMS provider emulator, and an app
wired to them (SMS over HTTP, fast retries and maintenance)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.fixtures.sms_emulator import SmsEmulator
from tests.fixtures.webpush_receiver import WebPushReceiver

SMS_KEY = "test-sms-key"
SMS_SECRET = "inbound-secret-for-tests"


@pytest.fixture(scope="session")
def fx_push() -> Any:
    receiver = WebPushReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def fx_sms() -> Any:
    emulator = SmsEmulator(api_key=SMS_KEY)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def fx_delivery_overrides(fx_sms: Any) -> dict[str, Any]:
    return dict(sms_provider="http", sms_http_url=fx_sms.messages_url, sms_api_key=SMS_KEY,
                sms_inbound_secret=SMS_SECRET, retry_backoff_scale=0.01, maintenance_interval_seconds=0.3,
                sms_rate_per_second=1000)


@pytest.fixture
async def fx_app(fx_app_factory: Callable[..., Any], fx_delivery_overrides: dict[str, Any], fx_push: Any,
                 fx_sms: Any, fx_mail: Any, fx_settings: Any) -> Any:
    """The app with real channels; receivers start empty."""
    from backend.delivery.channels.vapid import ensure_vapid_keys

    ensure_vapid_keys(fx_settings)
    fx_push.clear()
    fx_sms.clear()
    fx_mail.clear()
    return await fx_app_factory(**fx_delivery_overrides)
