from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.auth.tables import User
from backend.communities.tables import Community


class Alert(Table, tablename="alerts"):
    """An alert posted in a community (by a member, by SMS, or by the mairie)."""

    community = ForeignKey(references=Community, index=True)
    author = ForeignKey(references=User, index=True)
    category = Varchar(length=32)
    title = Varchar(length=120)
    body = Text()
    place = Varchar(length=200, default="")
    notify_mairie = Boolean(default=False)
    notify_police = Boolean(default=False)
    # Flagged « police » while the commune had no police/gendarmerie contact: nobody got the mail
    # (the author and the mairie inbox are told).
    police_no_contact = Boolean(default=False)
    source = Varchar(length=10, default="app")  # app | sms | mairie
    idempotency_key = Varchar(length=100, null=True, default=None)
    resolution = Varchar(length=12, default="open")  # open | resolved | false_alarm
    resolved_at = Timestamptz(null=True, default=None)
    moderation = Varchar(length=10, default="pending", index=True)  # pending | approved | hidden | removed
    moderation_reason = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    alerts_idempotency = Unique([author, idempotency_key])


class ModerationAction(Table, tablename="moderation_actions"):
    """Audit trail of what moderators did to an alert, and why."""

    alert = ForeignKey(references=Alert, index=True)
    moderator = ForeignKey(references=User)
    action = Varchar(length=10)  # approve | hide | remove
    reason = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
