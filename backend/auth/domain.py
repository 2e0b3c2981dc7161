"""The auth domain as the wiring sees it (backend/domains.py)."""

from backend.auth.routes import AuthController
from backend.lib.domain import Domain
from backend.auth.privacy import PERSONAL_DATA

DOMAIN = Domain(name="auth", routes=[AuthController], personal_data=PERSONAL_DATA)
