from __future__ import annotations

import msgspec


class SubscriptionKeys(msgspec.Struct):
    p256dh: str
    auth: str


class SubscriptionIn(msgspec.Struct):
    endpoint: str
    keys: SubscriptionKeys
    device_label: str = ""


class SubscriptionOut(msgspec.Struct):
    id: int
    device_label: str
    created_at: str
    silent: bool = False  # « Ce téléphone ne reçoit plus les notifications »: 3 pushes in a row not received
    missed: int = 0  # pushes in a row not received within the receipt delay


class Preferences(msgspec.Struct):
    push: bool = True
    email: bool = True
    sms: bool = False
    quiet_start: str | None = None
    quiet_end: str | None = None
    email_messages: bool | msgspec.UnsetType = msgspec.UNSET  # absent from a PUT: left as it is (off by default)
    sms_fallback: bool | msgspec.UnsetType = msgspec.UNSET  # « SMS de secours » (on by default); absent: left as it is
    sms_available: bool = False  # read-only: the account's phone is a French or Belgian mobile
    devices: int = 0  # read-only: devices subscribed to push


class ReceiptIn(msgspec.Struct):
    event: str
    device: int | None = None  # the push subscription that got it (the push payload's `device`)


class PublicKey(msgspec.Struct):
    public_key: str


class ChannelCounts(msgspec.Struct):
    queued: int = 0
    sending: int = 0  # claimed by a worker, in flight
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    received: int = 0
    opened: int = 0
    fallback: int = 0  # sms: « SMS de secours » for an urgent push not received in time (not skipped)


class MyDelivery(msgspec.Struct):
    id: int
    channel: str
    state: str  # queued | sending | sent | failed | skipped
    reason: str
    attempts: int = 0
    last_error: str = ""
    fallback: bool = False  # an SMS de secours
