from piccolo.conf.apps import AppConfig

from backend.messages.tables import (Block, Conversation, ConversationReport, MailState, Message, MessageDigest,
                                     ModeratorRead, Participant)
from backend.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="messages",
    migrations_folder_path=str(ROOT / "piccolo_migrations" / "messages"),
    table_classes=[Conversation, Participant, Message, Block, ConversationReport, ModeratorRead, MailState,
                   MessageDigest],
    migration_dependencies=["backend.piccolo_app"],
    commands=[],
)
