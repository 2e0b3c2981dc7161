from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.auth.tables import User


class ErasureRequest(Table, tablename="privacy_erasures"):
    """« Supprimer mon compte »: the account is disabled from `requested_at`, erased after `erase_after`
    unless its owner logs in before (the row then goes and the account comes back)."""

    user = ForeignKey(references=User, unique=True)
    requested_at = Timestamptz(default=TimestamptzNow())
    erase_after = Timestamptz(index=True)
    was_suspended = Boolean(default=False)  # suspended by the moderators before: stays so on return
    # The name, kept here while the account shows « Membre parti » to others; put back on return.
    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")


class PrivacyRun(Table, tablename="privacy_runs"):
    """One run of the daily privacy job per Paris day: the unique day is the claim, so with several
    workers exactly one runs it."""

    day = Varchar(length=10, unique=True)  # YYYY-MM-DD, Paris time
    started_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    counts = Text(default="{}")  # JSON: rows touched per rule, accounts erased
