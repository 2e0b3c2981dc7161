from piccolo.columns import Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.auth.tables import User


class Profile(Table, tablename="directory_profiles"):
    """What a member shows in the directory of their communities, and to whom.

    Name, phone, e-mail and address come from the (verified) account; this row holds the
    rest and the visibility of each contact field: community | referents | nobody.
    Lists (interests, skills) are JSON arrays of strings.
    """

    user = ForeignKey(references=User, unique=True)
    bio = Varchar(length=300, default="")
    interests = Text(default="[]")
    skills = Text(default="[]")  # codes of backend.directory.service.SKILLS
    skills_other = Text(default="[]")  # free "je peux aider pour…" entries
    help_note = Varchar(length=200, default="")
    other_contact = Varchar(length=200, default="")
    phone_visibility = Varchar(length=10, default="nobody")
    email_visibility = Varchar(length=10, default="nobody")
    other_contact_visibility = Varchar(length=10, default="community")
    address_visibility = Varchar(length=10, default="nobody")  # the full address, house number included
    photo_version = Integer(default=0)  # > 0: the current photo's version; ≤ 0: no photo
    updated_at = Timestamptz(default=TimestamptzNow())


class ProfilePhoto(Table, tablename="directory_photos"):
    """A member's photo, re-encoded as JPEG without metadata (kept apart: lists never load it)."""

    user = ForeignKey(references=User, unique=True)
    data = Bytea()
    width = Integer()
    height = Integer()
    updated_at = Timestamptz(default=TimestamptzNow())
