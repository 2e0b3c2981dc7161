"""The partnership domain as the wiring sees it (backend/domains.py): mairies joining on their own
and the « Participation citoyenne » convention."""

from backend.lib.domain import Domain
from backend.partnership.privacy import PERSONAL_DATA
from backend.partnership.routes import ROUTES

DOMAIN = Domain(name="partnership", routes=ROUTES, personal_data=PERSONAL_DATA,
                piccolo_app="backend.partnership.piccolo_app")
