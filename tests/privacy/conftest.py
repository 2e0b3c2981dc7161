"""The privacy tests run on the real channels (push receiver, SMS emulator) and an app wired to them."""

from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
