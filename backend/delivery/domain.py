"""The delivery engine and channels as the wiring sees them (backend/domains.py).

Delivery declares no notification kind of its own: the feature domains declare theirs.
"""

from backend.delivery import inbound, upkeep
from backend.delivery.jobs import (
    fanout, send_email, send_push, send_sms, send_sms_reply, send_test_push, send_transactional_email,
)
from backend.delivery.routes import ROUTES
from backend.lib.domain import Domain

DOMAIN = Domain(
    name="delivery",
    routes=[*ROUTES, *inbound.ROUTES],
    job_functions={
        "email": [send_transactional_email, send_email],
        "fanout": [fanout],
        "push": [send_push, send_test_push],
        "sms": [send_sms, send_sms_reply],
    },
    periodic=[(5.0, upkeep.maintenance), ("worker_heartbeat_seconds", upkeep.keep_leases)],
    sms_commands=[inbound.STOP],
)
