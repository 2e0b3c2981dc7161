"""Unique constraints and list indexes of messaging (hand-written, raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T06:25:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "one participant row per member; idempotency keys per author; one block per pair; list indexes"

STATEMENTS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS conversation_participants_once ON conversation_participants (conversation, "user")',
    'CREATE UNIQUE INDEX IF NOT EXISTS messages_idempotency ON messages (author, idempotency_key)',
    'CREATE UNIQUE INDEX IF NOT EXISTS conversations_idempotency ON conversations (created_by, idempotency_key)',
    'CREATE UNIQUE INDEX IF NOT EXISTS message_blocks_once ON message_blocks (blocker, blocked)',
    'CREATE INDEX IF NOT EXISTS messages_conversation_id ON messages (conversation, id)',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="messages", description=DESCRIPTION)

    async def run():
        from backend.messages.tables import Message

        for sql in STATEMENTS:
            await Message.raw(sql)

    manager.add_raw(run)
    return manager
