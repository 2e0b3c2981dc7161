"""The audit log as the wiring sees it (backend/domains.py). Its table is registered in the mairie
piccolo app, where its migrations have always been (backend/audit/tables.py)."""

from backend.audit.routes import ROUTES
from backend.lib.domain import Domain
from backend.audit.privacy import PERSONAL_DATA, RETENTION

DOMAIN = Domain(name="audit", routes=ROUTES, personal_data=PERSONAL_DATA, retention=RETENTION)
