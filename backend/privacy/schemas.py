"""Requests and answers of the privacy routes (msgspec)."""

from __future__ import annotations

import msgspec


class DeleteAccountIn(msgspec.Struct):
    password: str = msgspec.field()
    """The account's password, asked again so nobody deletes an account from a phone left open."""


class DeletionOut(msgspec.Struct):
    erase_after: str
    """When the account will be erased (ISO 8601, UTC)."""
    erase_on: str
    """The same day in words, Paris time (« 16 décembre 2026 »)."""


class KeptData(msgspec.Struct):
    label: str
    after_deletion: str
    """What deleting the account does to it, in French."""


class RetentionLine(msgspec.Struct):
    setting: str
    what: str
    why: str
    days: int


class PrivacyPolicy(msgspec.Struct):
    """The public privacy page's content, built from the same declarations and settings the job uses."""

    account_erase_grace_days: int
    data: list[KeptData]
    retention: list[RetentionLine]


class IdentityIn(msgspec.Struct):
    """« Corriger mes données »: the name and phone of the account (the e-mail is the login: see the README)."""

    first_name: str
    last_name: str
    phone: str


class IdentityOut(msgspec.Struct):
    first_name: str
    last_name: str
    phone: str
    """As stored (E.164)."""
    sms_available: bool
    """False: the number is no French or Belgian mobile, so alerts by SMS were turned off."""
