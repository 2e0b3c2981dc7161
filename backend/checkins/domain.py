"""The check-ins domain (solidarity watch) as the wiring sees it (backend/domains.py).

Its piccolo app keeps the name `solidarity` (and `piccolo_migrations/solidarity/`) so that
existing databases keep their migration history.
"""

from backend.checkins import notify, service
from backend.checkins.jobs import drive_checkins
from backend.checkins.routes import ROUTES
from backend.checkins.sms_commands import SMS_COMMANDS
from backend.lib.domain import Domain
from backend.checkins.privacy import PERSONAL_DATA

DOMAIN = Domain(
    name="checkins",
    routes=ROUTES,
    sms_commands=SMS_COMMANDS,
    periodic=[(30.0, drive_checkins)],
    notification_kinds={
        service.REMINDER_KIND: notify.ReminderNotice(),
        service.CONSENT_KIND: notify.ConsentNotice(),
        service.MISSED_KIND: notify.MissedNotice(),
        service.GOING_KIND: notify.GoingNotice(),
        service.RESOLVED_KIND: notify.ResolvedNotice(),
        service.INVITE_KIND: notify.InviteNotice(),
    },
    piccolo_app="backend.checkins.piccolo_app",
    personal_data=PERSONAL_DATA,
)
