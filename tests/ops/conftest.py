"""The far side of the operations tests: the loopback push service and the SMS provider emulator."""

from tests.fixtures.channels import fx_push, fx_sms  # noqa: F401  (fixtures)
