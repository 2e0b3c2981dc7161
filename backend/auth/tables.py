from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="users"):
    """A person with an account. Membership of a community is separate (and verified)."""

    email = Varchar(length=254, unique=True, index=True)
    password_hash = Varchar(length=255, secret=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    # lib.text.sort_name(first_name, last_name), written with the names: the directory sorts and pages by it
    sort_name = Text(default="")
    phone = Varchar(length=20, index=True)
    # `phone` is a French or Belgian mobile (lib.phones.is_sms_capable): decided once when the phone is
    # saved, so a fan-out reads it instead of parsing every number (~85 µs each)
    phone_mobile = Boolean(default=False)
    address_line1 = Varchar(length=200)
    address_line2 = Varchar(length=200, default="")
    postal_code = Varchar(length=10)
    city = Varchar(length=100)
    country = Varchar(length=2, default="FR")
    locale = Varchar(length=5, default="fr")
    is_moderator = Boolean(default=False)
    is_admin = Boolean(default=False)
    is_suspended = Boolean(default=False)
    address_verified = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class UserSession(Table, tablename="user_sessions"):
    """A login session. The cookie holds a random token; only its SHA-256 is stored.

    Kept in the database (cached in Valkey) so that signed-in members can still post an
    alert while Valkey is down.
    """

    token_hash = Varchar(length=64, unique=True, secret=True)
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    user_agent = Varchar(length=200, default="")
