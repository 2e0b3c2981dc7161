"""The privacy domain (RGPD: « Mes données », deletion, retention) as the wiring sees it (backend/domains.py)."""

from backend.lib.domain import Domain
from backend.privacy.jobs import daily_privacy
from backend.privacy.privacy import PERSONAL_DATA
from backend.privacy.routes import ROUTES

DOMAIN = Domain(
    name="privacy",
    routes=ROUTES,
    periodic=[("privacy_check_seconds", daily_privacy)],
    personal_data=PERSONAL_DATA,
    piccolo_app="backend.privacy.piccolo_app",
)
