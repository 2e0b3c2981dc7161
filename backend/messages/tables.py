from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.auth.tables import User
from backend.communities.tables import Community


class Conversation(Table, tablename="conversations"):
    """A private conversation between active members of one community."""

    community = ForeignKey(references=Community, index=True)
    created_by = ForeignKey(references=User)
    title = Varchar(length=100, default="")
    idempotency_key = Varchar(length=100, null=True, default=None)  # unique per creator (the Unique below)
    created_at = Timestamptz(default=TimestamptzNow())
    last_message_at = Timestamptz(default=TimestamptzNow())
    conversations_idempotency = Unique([created_by, idempotency_key])


class Participant(Table, tablename="conversation_participants"):
    """A member in a conversation: what they read, since when they see it, whether they left.

    Unique per (conversation, user) (the Unique below). `joined_after`: the member sees messages with
    a greater id (someone added later does not read what was said before); `last_read`: the id
    of the last message they read.
    """

    conversation = ForeignKey(references=Conversation, index=True)
    user = ForeignKey(references=User, index=True)
    joined_at = Timestamptz(default=TimestamptzNow())
    joined_after = Integer(default=0)
    last_read = Integer(default=0)
    left_at = Timestamptz(null=True, default=None)
    conversation_participants_once = Unique([conversation, user])


class Message(Table, tablename="messages"):
    """A message (`text`), or a note that someone was added to (`added`) or left (`left`) it."""

    conversation = ForeignKey(references=Conversation, index=True)
    author = ForeignKey(references=User, index=True)
    kind = Varchar(length=8, default="text")  # text | added | left
    body = Text(default="")
    idempotency_key = Varchar(length=100, null=True, default=None)  # unique per author (the Unique below)
    created_at = Timestamptz(default=TimestamptzNow())
    messages_idempotency = Unique([author, idempotency_key])


class Block(Table, tablename="message_blocks"):
    """`blocker` no longer hears from `blocked` (unique per pair, the Unique below)."""

    blocker = ForeignKey(references=User, index=True)
    blocked = ForeignKey(references=User, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    message_blocks_once = Unique([blocker, blocked])


class ConversationReport(Table, tablename="conversation_reports"):
    """A participant asks the moderators to look at a conversation; only then may they read it."""

    conversation = ForeignKey(references=Conversation, index=True)
    reporter = ForeignKey(references=User)
    reason = Varchar(length=500)
    state = Varchar(length=8, default="open", index=True)  # open | closed
    created_at = Timestamptz(default=TimestamptzNow())
    closed_by = ForeignKey(references=User, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    note = Varchar(length=500, default="")


class ModeratorRead(Table, tablename="conversation_moderator_reads"):
    """Audit: a moderator read a reported conversation (who, when, which conversation, which report)."""

    conversation = ForeignKey(references=Conversation, index=True)
    report = ForeignKey(references=ConversationReport)
    moderator = ForeignKey(references=User)
    created_at = Timestamptz(default=TimestamptzNow())


class MailState(Table, tablename="message_mail_state"):
    """Per member: the last message already put in an e-mail digest, and when one was last made."""

    user = ForeignKey(references=User, unique=True)
    last_message_id = Integer(default=0)
    last_sent_at = Timestamptz(null=True, default=None)


class MessageDigest(Table, tablename="message_digests"):
    """One digest e-mail to one member: the unread messages with `after_id` < id ≤ `up_to_id`."""

    user = ForeignKey(references=User, index=True)
    after_id = Integer()
    up_to_id = Integer()
    created_at = Timestamptz(default=TimestamptzNow())
