from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.auth.tables import User


class PushSubscription(Table, tablename="push_subscriptions"):
    """A browser's Web Push subscription (one per device)."""

    user = ForeignKey(references=User, index=True)
    endpoint = Varchar(length=1000, unique=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=100)
    device_label = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_success_at = Timestamptz(null=True, default=None)
    last_received_at = Timestamptz(null=True, default=None)  # the last `received` receipt naming this device
    missed = Integer(default=0)  # pushes in a row not received within the receipt delay (receipts.py)
    silent_since = Timestamptz(null=True, default=None)  # flagged after 3 misses in a row; a receipt clears it


class DeliveryPreference(Table, tablename="delivery_preferences"):
    """Which channels a member wants, and quiet hours for non-urgent notifications."""

    user = ForeignKey(references=User, unique=True)
    push = Boolean(default=True)
    email = Boolean(default=True)
    sms = Boolean(default=False)
    email_messages = Boolean(default=False)  # private messages by e-mail (a digest at most every 15 min)
    sms_fallback = Boolean(default=True)  # « SMS de secours »: an urgent push not received in time goes by SMS
    quiet_start = Varchar(length=5, default="")  # "22:00" or ""
    quiet_end = Varchar(length=5, default="")
    email_token = Varchar(length=64, default="", index=True)


class Outbox(Table, tablename="outbox"):
    """Work accepted in the same transaction as its cause, handed to the queue after commit.

    A periodic job hands over rows that were not (Valkey down) or whose job vanished.
    """

    kind = Varchar(length=20)  # fanout_alert | fanout_followup | …
    ref_id = Integer()
    created_at = Timestamptz(default=TimestamptzNow())
    dispatched_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None, index=True)
    attempts = Integer(default=0)
    outbox_once = Unique([kind, ref_id])


class Delivery(Table, tablename="deliveries"):
    """One notification to one person on one channel: the record of what happened.

    A person without a Vigie account (a contact named on the register) has no `user`, only a
    `phone` (E.164, SMS only): one such row per (kind, ref, phone), by a partial unique index."""

    kind = Varchar(length=20)  # alert | alert_followup | message | checkin | …
    ref_id = Integer(index=True)
    user = ForeignKey(references=User, index=True, null=True, default=None)  # None: `phone` only
    phone = Varchar(length=20, default="")  # sms rows to someone without an account
    channel = Varchar(length=5)  # push | email | sms
    # queued | sending | sent | failed | skipped; looked up by deliveries_in_flight (state, lease_until)
    state = Varchar(length=8, default="queued")
    reason = Varchar(length=200, default="")
    attempts = Integer(default=0)
    worker = Varchar(length=64, default="")  # who holds the claim while `sending` (host:pid:random)
    lease_until = Timestamptz(null=True, default=None)  # a claim whose lease lapsed is taken over
    last_error = Varchar(length=200, default="")  # the last transient or permanent error, kept once sent
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)
    opened_at = Timestamptz(null=True, default=None)
    # push rows: "urgent" | "normal" until the receipt check has looked at them, then "" (receipts.py)
    watch = Varchar(length=6, default="", index=True)
    fallback = Boolean(default=False)  # sms rows: sent because an urgent push was not received in time
    deliveries_once = Unique([kind, ref_id, user, channel])
