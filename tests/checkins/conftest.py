"""Check-in tests run on the real channels: the alert tests' loopback push service, SMS
emulator and SMTP catcher, and an app wired to them."""

from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
