"""The mairie tests run on the app wired to the real channels of the alert tests."""

from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
