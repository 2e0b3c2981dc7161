"""The public pages' data as the wiring sees it (backend/domains.py)."""

from backend.lib.domain import Domain
from backend.open.routes import OpenController

DOMAIN = Domain(name="open", routes=[OpenController])
