"""The mairie (town hall) domain as the wiring sees it (backend/domains.py)."""

from backend.lib.domain import Domain
from backend.mairie.jobs import maintenance
from backend.mairie.notify import (
    ACK_KIND, BROADCAST_KIND, SAFETY_KIND, AcknowledgementNotice, BroadcastNotice, SafetyNotice,
)
from backend.mairie.routes import ROUTES
from backend.mairie.sms_commands import SMS_COMMANDS
from backend.mairie.privacy import PERSONAL_DATA

DOMAIN = Domain(
    name="mairie",
    routes=ROUTES,
    sms_commands=SMS_COMMANDS,
    periodic=[(5.0, maintenance)],
    notification_kinds={BROADCAST_KIND: BroadcastNotice(), SAFETY_KIND: SafetyNotice(), ACK_KIND: AcknowledgementNotice()},
    piccolo_app="backend.mairie.piccolo_app",
    personal_data=PERSONAL_DATA,
)
