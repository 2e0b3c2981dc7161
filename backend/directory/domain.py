"""The directory domain as the wiring sees it (backend/domains.py)."""

from backend.directory.routes import ROUTES
from backend.lib.domain import Domain
from backend.directory.privacy import PERSONAL_DATA

DOMAIN = Domain(name="directory", routes=ROUTES, piccolo_app="backend.directory.piccolo_app",
                personal_data=PERSONAL_DATA)
