"""The live stream (SSE) as the wiring sees it (backend/domains.py)."""

from backend.lib.domain import Domain
from backend.live.routes import ROUTES

DOMAIN = Domain(name="live", routes=ROUTES)
