"""The partnership tests run on the app wired to the real channels (the worker sends the e-mails)."""

from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401
