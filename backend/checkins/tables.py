"""Veille solidaire: a person's regular check-in, the neighbours who watch, each period, the history."""

from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.alerts.tables import Alert
from backend.auth.tables import User
from backend.communities.tables import Community


class Checkin(Table, tablename="checkins"):
    """A person's check-in: every `every_days` days at `check_time` (Europe/Paris), watched by neighbours.

    Active while two watchers or more have accepted, until stopped. When a referent sets it
    up for someone, the person's consent is recorded (who gave it, when, how), and the person
    must still confirm it themself (in the app or by answering the consent SMS): until then
    it does not run and nobody gets contact data the person's directory settings hide.
    """

    community = ForeignKey(references=Community, index=True)
    person = ForeignKey(references=User, index=True)
    created_by = ForeignKey(references=User)
    check_time = Varchar(length=5)  # "10:00", local time
    every_days = Integer(default=1)
    starts_on = Date()  # local date of the first period
    grace_minutes = Integer(default=60)
    note = Text(default="")  # keys with a neighbour, health notes: for watchers and referents only
    paused_until = Date(null=True, default=None)  # no period up to this local date (holidays)
    consent_method = Varchar(length=12)  # app | oral | ecrit | telephone
    consent_given_by = Varchar(length=120)
    consent_at = Timestamptz()
    consent_recorded_by = ForeignKey(references=User)
    consent_detail = Varchar(length=300, default="")
    # The person's own answer: confirmed (their own set-up counts) | pending | refused.
    person_confirmation = Varchar(length=10, default="confirmed")
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_via = Varchar(length=6, default="")  # app | sms
    # Periods due before this instant are not watched: set when the 2nd watcher accepts, on
    # resuming after a pause and on a schedule change (no reminder for a time already past).
    watch_from = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # One running check-in per person: a partial unique index (`WHERE stopped_at IS NULL`), which
    # piccolo's `Unique` cannot express; it stays in its raw migration (solidarity 2026-11-26T06:29:30).
    stopped_at = Timestamptz(null=True, default=None)
    stopped_by = ForeignKey(references=User, null=True, default=None)
    stop_reason = Varchar(length=300, default="")


class CheckinWatcher(Table, tablename="checkin_watchers"):
    """A neighbour asked to watch; sees the person's address and note only once `accepted`."""

    checkin = ForeignKey(references=Checkin, index=True)
    user = ForeignKey(references=User, index=True)
    status = Varchar(length=10, default="invited")  # invited | accepted | declined | removed
    invited_by = ForeignKey(references=User)
    invited_at = Timestamptz(default=TimestamptzNow())
    answered_at = Timestamptz(null=True, default=None)
    checkin_watchers_once = Unique([checkin, user])


class CheckinRound(Table, tablename="checkin_rounds"):
    """One period of a check-in (unique per check-in and period date) and where it stands."""

    checkin = ForeignKey(references=Checkin, index=True)
    period_date = Date()
    due_at = Timestamptz()
    # checked_in | reminded | escalated | someone_going | resolved | cancelled
    state = Varchar(length=14, index=True)
    checked_in_at = Timestamptz(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)
    going_by = ForeignKey(references=User, null=True, default=None)
    going_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(references=User, null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    resolution_note = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    checkin_rounds_once = Unique([checkin, period_date])


class CheckinEvent(Table, tablename="checkin_events"):
    """The history: every step of a check-in, kept (reminders, escalations, who went, links)."""

    checkin = ForeignKey(references=Checkin, index=True)
    round = ForeignKey(references=CheckinRound, null=True, default=None)
    type = Varchar(length=20)
    actor = ForeignKey(references=User, null=True, default=None)  # None: the system
    subject = ForeignKey(references=User, null=True, default=None)  # the watcher invited, removed…
    source = Varchar(length=6, default="app")  # app | sms | system
    note = Varchar(length=500, default="")
    alert = ForeignKey(references=Alert, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
