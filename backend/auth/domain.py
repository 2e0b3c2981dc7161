"""The auth domain as the wiring sees it (backend/domains.py)."""

from backend.auth.routes import AuthController
from backend.lib.domain import Domain

DOMAIN = Domain(name="auth", routes=[AuthController])
