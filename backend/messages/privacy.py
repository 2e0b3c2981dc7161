"""What the messages domain holds about a person, for the privacy domain (declared in domain.py).

Erasing an account removes the person's messages and their place in conversations; the other
participants keep their own messages.
"""

from backend.lib.personal_data import OnErase, PersonalData
from backend.messages.tables import (
    Block, Conversation, ConversationReport, MailState, Message, MessageDigest, ModeratorRead, Participant,
)

PERSONAL_DATA = [
    PersonalData(Conversation, "created_by", OnErase.ANONYMISE, "Conversations que j'ai commencées"),
    PersonalData(Participant, "user", OnErase.DELETE, "Mes conversations"),
    PersonalData(Message, "author", OnErase.DELETE, "Mes messages"),
    PersonalData(Block, "blocker", OnErase.DELETE, "Personnes que j'ai bloquées"),
    PersonalData(Block, "blocked", OnErase.DELETE, "Blocages me concernant", export=False),
    PersonalData(ConversationReport, "reporter", OnErase.ANONYMISE, "Mes signalements de conversations"),
    PersonalData(ConversationReport, "closed_by", OnErase.ANONYMISE, "Signalements clos par moi", export=False),
    PersonalData(ModeratorRead, "moderator", OnErase.ANONYMISE, "Conversations lues par moi en modération"),
    PersonalData(MailState, "user", OnErase.DELETE, "Mon suivi des résumés par e-mail"),
    PersonalData(MessageDigest, "user", OnErase.DELETE, "Mes résumés de messages par e-mail"),
]
