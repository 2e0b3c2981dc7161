"""Messaging tests run on the app wired to the real channels (loopback push service, SMTP
catcher, SMS emulator): the fixtures of the alert tests."""

from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
