from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.auth.tables import User
from backend.communities.tables import Membership


class ActivationLetter(Table, tablename="activation_letters"):
    """A paper letter carrying an activation code; the code itself is stored only as a hash."""

    user = ForeignKey(references=User, index=True)
    membership = ForeignKey(references=Membership, index=True)
    code_hash = Varchar(length=128, secret=True)
    recipient = Text()  # name and postal address block, as printed
    address_key = Varchar(length=250, default="", index=True)  # folded street line + postal code (limits per address)
    community_name = Varchar(length=120)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    failed_tries = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    printed_at = Timestamptz(null=True, default=None, index=True)
    voided_at = Timestamptz(null=True, default=None)
    redeemed_at = Timestamptz(null=True, default=None)
