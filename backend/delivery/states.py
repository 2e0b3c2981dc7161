"""The states of a delivery row, and the channels: one name each, the same strings in rows and JSON."""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    """Where one notification to one person on one channel stands (`deliveries.state`)."""

    QUEUED = "queued"
    """Waiting for a send job (new, or back after a transient failure or a lost worker)."""
    SENDING = "sending"
    """Claimed by a worker, under a lease it renews (leases.py)."""
    SENT = "sent"
    """Accepted by the push service, the SMTP relay or the SMS provider (or seen by the device)."""
    FAILED = "failed"
    """Permanent failure, or transient ones past the last attempt; `reason` says which."""
    SKIPPED = "skipped"
    """Not sent on purpose: channel off, no device, no address, quiet hours, content removed."""


class Channel(StrEnum):
    """The ways a notification reaches someone, in the order a fan-out writes and sends them."""

    PUSH = "push"
    EMAIL = "email"
    SMS = "sms"


CHANNELS: tuple[Channel, ...] = (Channel.PUSH, Channel.EMAIL, Channel.SMS)
