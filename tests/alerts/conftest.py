"""The alert tests run on the real channels (tests/fixtures/channels.py) and an app wired to them."""

from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
