"""The alert tests' real receivers (loopback push service, SMS emulator) for the delivery tests."""

from tests.fixtures.channels import fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
