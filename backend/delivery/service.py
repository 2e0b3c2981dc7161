"""The delivery engine's surface for other domains: one import for what they call.

The engine lives in small modules, each named for what it holds: `outbox` (work recorded with
its cause), `fanout` (recipients, delivery rows, send jobs), `preferences` (channels, quiet
hours, unsubscribe), `subscriptions` (push devices), `outcomes` (what happened to each
delivery), `leases` (claims of live workers), `states` (`DeliveryState`). The channels that
send are in `channels/`. Other domains import `backend.delivery.service as delivery` and call
`delivery.add_outbox(...)` and the rest; inside `delivery/`, modules import each other directly.
"""

from __future__ import annotations

from backend.delivery.fanout import (BATCH, Audience, FanoutPlan, Members, PlannedRow, Recipient, community_recipients,
                                     enqueue_queued, fan_out, plan_rows, requeue_stale, user_recipients)
from backend.delivery.outbox import add_outbox, complete_outbox, dispatch, redispatch_outbox
from backend.delivery.outcomes import counts, mine, receipt, record
from backend.delivery.preferences import (LOCAL_TZ, email_token, email_tokens, get_preferences, in_quiet_hours,
                                          set_channel, set_preferences, start_channels, unsubscribe_email)
from backend.delivery.states import CHANNELS, Channel, DeliveryState
from backend.delivery.subscriptions import (forget_devices, list_subscriptions, own_subscription, subscribe,
                                           unsubscribe)

__all__ = [
    "BATCH", "CHANNELS", "LOCAL_TZ", "Audience", "Channel", "DeliveryState", "FanoutPlan", "Members", "PlannedRow",
    "Recipient",
    "add_outbox", "community_recipients", "complete_outbox", "counts", "dispatch", "email_token", "email_tokens",
    "enqueue_queued", "fan_out", "forget_devices", "get_preferences", "in_quiet_hours", "list_subscriptions", "mine",
    "own_subscription", "plan_rows", "receipt", "record", "redispatch_outbox", "requeue_stale", "set_channel",
    "set_preferences", "start_channels", "subscribe", "unsubscribe", "unsubscribe_email", "user_recipients",
]
