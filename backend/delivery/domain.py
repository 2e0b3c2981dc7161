"""The delivery engine and channels as the wiring sees them (backend/domains.py).

Delivery declares no notification kind of its own: the feature domains declare theirs. Its one
outbox task tells a member that a device stopped receiving (receipts.py).
"""

from backend.delivery import inbound, receipts, upkeep
from backend.delivery.jobs import (
    fanout, send_email, send_push, send_sms, send_sms_reply, send_test_push, send_transactional_email,
)
from backend.delivery.routes import ROUTES
from backend.lib.domain import Domain
from backend.delivery.privacy import PERSONAL_DATA, RETENTION

DOMAIN = Domain(
    name="delivery",
    routes=[*ROUTES, *inbound.ROUTES],
    job_functions={
        "email": [send_transactional_email, send_email],
        "fanout": [fanout],
        "push": [send_push, send_test_push],
        "sms": [send_sms, send_sms_reply],
    },
    periodic=[(5.0, upkeep.maintenance), ("worker_heartbeat_seconds", upkeep.keep_leases),
              ("receipt_check_seconds", receipts.check_receipts)],
    outbox_tasks={receipts.DEVICE_SILENT_KIND: receipts.tell_member_device_silent},
    sms_commands=[inbound.STOP],
    personal_data=PERSONAL_DATA, retention=RETENTION,
)
