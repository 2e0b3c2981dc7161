"""Dev-only pages (the caught outbox; 404 unless `dev_outbox`) as the wiring sees them (backend/domains.py)."""

from backend.devtools.routes import ROUTES
from backend.lib.domain import Domain

DOMAIN = Domain(name="devtools", routes=ROUTES)
