"""The alerts domain as the wiring sees it (backend/domains.py)."""

from backend.alerts import service
from backend.alerts.jobs import forward_to_police, notify_author_of_moderation
from backend.alerts.notify import AlertNotice, FollowupNotice
from backend.alerts.routes import ROUTES
from backend.alerts.sms_commands import SMS_COMMANDS
from backend.lib.domain import Domain
from backend.alerts.privacy import PERSONAL_DATA, RETENTION

DOMAIN = Domain(
    name="alerts",
    routes=ROUTES,
    sms_commands=SMS_COMMANDS,
    notification_kinds={service.ALERT_KIND: AlertNotice(), service.FOLLOWUP_KIND: FollowupNotice()},
    outbox_tasks={service.POLICE_KIND: forward_to_police, service.MODERATION_NOTICE_KIND: notify_author_of_moderation},
    personal_data=PERSONAL_DATA, retention=RETENTION,
)
