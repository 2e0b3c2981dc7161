"""The messages domain as the wiring sees it (backend/domains.py)."""

from backend.lib.domain import Domain
from backend.messages.jobs import DIGEST_INTERVAL, send_message_digests
from backend.messages.notify import DIGEST_KIND, DigestNotice, MessageNotice
from backend.messages.routes import ROUTES
from backend.messages.service import MESSAGE_KIND
from backend.messages.privacy import PERSONAL_DATA

DOMAIN = Domain(
    name="messages",
    routes=ROUTES,
    periodic=[(DIGEST_INTERVAL, send_message_digests)],
    notification_kinds={MESSAGE_KIND: MessageNotice(), DIGEST_KIND: DigestNotice()},
    piccolo_app="backend.messages.piccolo_app",
    personal_data=PERSONAL_DATA,
)
