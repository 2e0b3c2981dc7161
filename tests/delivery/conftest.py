"""The alert tests' real receivers (loopback push service, SMS emulator) for the delivery tests."""

from tests.alerts.conftest import fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
