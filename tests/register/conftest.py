"""Register tests run on the real channels: the loopback push service, the SMS emulator and the
SMTP catcher, and an app wired to them."""

from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
