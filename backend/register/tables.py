"""The register of vulnerable people (« registre des personnes vulnérables », CASF art. L121-6-1)
and the episodes (heatwave, extreme cold, flood…) during which the registered are asked every day
whether all is well. Ids of rows that may outlive their user (who recorded a call) are foreign keys
with `null=True`; the register of a commune stays when an episode closes."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.auth.tables import User
from backend.communities.tables import Commune, Community


class RegisterEntry(Table, tablename="register_entries"):
    """One registered person. Active only once the person agreed: their own registration (app),
    an agent's paper form with the consent recorded, or — registered by a relative or carer — the
    person's own confirmation (app, SMS « OUI », or a call the agent records)."""

    commune = ForeignKey(references=Commune, index=True)
    community = ForeignKey(references=Community, index=True)
    person = ForeignKey(references=User, null=True, default=None, index=True)  # their Vigie account, if any
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    birth_year = Integer(null=True, default=None)
    address = Varchar(length=300)
    phone = Varchar(length=20, default="")  # E.164
    health_notes = Text(default="")  # only what the person chooses to give
    channel = Varchar(length=5)  # app | sms | call — how the daily « Tout va bien ? » reaches them
    source = Varchar(length=8)  # self | agent | relative
    status = Varchar(length=8, default="pending", index=True)  # pending | active | refused | removed
    registered_by = ForeignKey(references=User)
    consent_method = Varchar(length=12, default="")  # app | ecrit | oral | telephone | sms
    consent_detail = Varchar(length=300, default="")
    consent_recorded_by = ForeignKey(references=User, null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class RegisterContact(Table, tablename="register_contacts"):
    """Someone the person names: to call when they do not answer; may read the entry when they
    have a Vigie account (`user`)."""

    entry = ForeignKey(references=RegisterEntry, index=True)
    name = Varchar(length=120)
    phone = Varchar(length=20, default="")
    relation = Varchar(length=60, default="")
    user = ForeignKey(references=User, null=True, default=None, index=True)


class Episode(Table, tablename="register_episodes"):
    """A heatwave, extreme cold, flood… for the commune or some of its communities: every day from
    `starts_on` to `ends_on` at `check_time` (Paris), « Tout va bien ? » to the active registered."""

    commune = ForeignKey(references=Commune, index=True)
    kind = Varchar(length=12)  # canicule | grand_froid | inondation | autre
    title = Varchar(length=120)
    community_ids = Text(default="[]")  # JSON; [] = the whole commune
    starts_on = Date()
    ends_on = Date()
    check_time = Varchar(length=5, default="10:00")
    no_answer_minutes = Integer(default=120)
    callback_phone = Varchar(length=20, default="")  # E.164: the mairie's number the contacts' SMS give
    status = Varchar(length=6, default="open", index=True)  # open | closed
    opened_by = ForeignKey(references=User)
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(references=User, null=True, default=None)


class EpisodeDay(Table, tablename="register_episode_days"):
    """One day of an episode whose question went out: the notification's reference (one fan-out a day)."""

    episode = ForeignKey(references=Episode, index=True)
    day = Date()
    asked_at = Timestamptz()
    register_episode_days_once = Unique([episode, day])


class EpisodeCheck(Table, tablename="register_checks"):
    """The question of one day to one person, and where it stands:
    asked → ok | help (answered), or → no_answer (their contacts and volunteers alerted, once)."""

    episode = ForeignKey(references=Episode, index=True)
    entry = ForeignKey(references=RegisterEntry, index=True)
    day = Date()
    channel = Varchar(length=5)
    state = Varchar(length=9, default="asked", index=True)  # asked | ok | help | no_answer
    asked_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
    answered_via = Varchar(length=5, default="")  # app | sms | call
    escalated_at = Timestamptz(null=True, default=None)
    called_by = ForeignKey(references=User, null=True, default=None)
    called_at = Timestamptz(null=True, default=None)
    call_note = Varchar(length=500, default="")
    register_checks_once = Unique([episode, entry, day])


class VolunteerAssignment(Table, tablename="register_assignments"):
    """A resident who offered to help (directory « Je peux aider pour… ») and a person staff assigned them."""

    commune = ForeignKey(references=Commune, index=True)
    volunteer = ForeignKey(references=User, index=True)
    entry = ForeignKey(references=RegisterEntry, index=True)
    assigned_by = ForeignKey(references=User)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    register_assignments_once = Unique([volunteer, entry])


TABLES = [RegisterEntry, RegisterContact, Episode, EpisodeDay, EpisodeCheck, VolunteerAssignment]
