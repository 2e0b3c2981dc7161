"""Tables of the mairie service. Ids of other domains' rows that may outlive them (audit actors)
are plain integers; the rest are foreign keys."""

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.alerts.tables import Alert
from backend.audit.tables import AuditEntry  # the audit domain's table, registered in this piccolo app (its history)
from backend.auth.tables import User
from backend.communities.tables import Commune, Community


class Broadcast(Table, tablename="mairie_broadcasts"):
    """A message of the mairie to its whole commune or to chosen communities of it."""

    commune = ForeignKey(references=Commune, index=True)
    author = ForeignKey(references=User)
    parent = Integer(null=True, default=None, index=True)  # the broadcast a follow-up belongs to
    followup = Varchar(length=8, default="")  # "" | update | end
    category = Varchar(length=20)
    severity = Varchar(length=12)  # information | vigilance | urgence
    title = Varchar(length=120)
    body = Text()
    link = Varchar(length=500, default="")
    valid_until = Timestamptz(null=True, default=None)
    channels = Varchar(length=40)  # comma-separated among push, email, sms, gazette
    all_communities = Boolean(default=True)
    status = Varchar(length=10, default="scheduled", index=True)  # scheduled | sent | cancelled
    scheduled_at = Timestamptz(null=True, default=None, index=True)
    sent_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)  # a "fin d'alerte" follow-up was sent
    cancelled_at = Timestamptz(null=True, default=None)
    sms_segments = Integer(default=0)  # segments of the SMS text (link included), 0 without SMS
    sms_estimate = Integer(default=0)  # SMS segments reserved: recipients × segments
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class MairieArea(Table, tablename="mairie_areas"):
    """The communities a broadcast or a safety check addresses (every one of the commune's
    communities is listed, also when the whole commune was chosen)."""

    ref_kind = Varchar(length=20)  # mairie_broadcast | mairie_safety
    ref_id = Integer(index=True)
    community = ForeignKey(references=Community, index=True)
    mairie_areas_once = Unique([ref_kind, ref_id, community])


class SmsSpend(Table, tablename="mairie_sms_spend"):
    """SMS segments a commune spends in a month: reserved when a broadcast or safety check is
    accepted, replaced by the segments actually queued once it fans out."""

    commune = ForeignKey(references=Commune, index=True)
    ref_kind = Varchar(length=20)
    ref_id = Integer()
    month = Varchar(length=7)  # YYYY-MM, Paris time
    segments = Integer(default=0)
    reserved = Boolean(default=True)  # still an estimate
    created_at = Timestamptz(default=TimestamptzNow())
    mairie_sms_spend_once = Unique([ref_kind, ref_id])


class SafetyCheck(Table, tablename="mairie_safety_checks"):
    """« Tout va bien ? » asked to every member of an area after an incident."""

    commune = ForeignKey(references=Commune, index=True)
    author = ForeignKey(references=User)
    question = Varchar(length=200)
    channels = Varchar(length=20)  # push, sms, email
    sms_segments = Integer(default=0)
    status = Varchar(length=8, default="open", index=True)  # open | closed
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)


class SafetyAnswer(Table, tablename="mairie_safety_answers"):
    """One row per person asked (written when the check opens); answer "" until they reply."""

    safety_check = ForeignKey(references=SafetyCheck, index=True)
    user = ForeignKey(references=User, index=True)
    answer = Varchar(length=4, default="")  # "" | ok | help
    via = Varchar(length=4, default="")  # app | sms
    note = Varchar(length=500, default="")
    answered_at = Timestamptz(null=True, default=None)
    mairie_safety_answers_once = Unique([safety_check, user])


class Acknowledgement(Table, tablename="mairie_acknowledgements"):
    """The mairie's answer to an alert forwarded to it (flagged mairie or police)."""

    alert = ForeignKey(references=Alert, unique=True)
    commune = ForeignKey(references=Commune, index=True)
    staff = ForeignKey(references=User)
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class SignageOrder(Table, tablename="mairie_signage_orders"):
    """Street signs ordered by a community (its referent) or by the mairie itself."""

    commune = ForeignKey(references=Commune, index=True)
    community = ForeignKey(references=Community, null=True, default=None, index=True)
    requested_by = ForeignKey(references=User)
    model = Varchar(length=30)
    quantity = Integer()
    delivery_address = Varchar(length=300)
    subsidised = Boolean(default=False)  # asked for; the mairie's decision overrides it
    note = Varchar(length=500, default="")
    status = Varchar(length=10, default="requested", index=True)  # requested | approved | declined | delivered
    decision_note = Varchar(length=500, default="")
    decided_by = Integer(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    delivery_note = Varchar(length=500, default="")  # the staff's word when marking it delivered
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [Broadcast, MairieArea, SmsSpend, SafetyCheck, SafetyAnswer, Acknowledgement, SignageOrder, AuditEntry]
