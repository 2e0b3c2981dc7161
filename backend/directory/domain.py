"""The directory domain as the wiring sees it (backend/domains.py)."""

from backend.directory.routes import ROUTES
from backend.lib.domain import Domain

DOMAIN = Domain(name="directory", routes=ROUTES, piccolo_app="backend.directory.piccolo_app")
