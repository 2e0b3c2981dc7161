"""The communities domain as the wiring sees it (backend/domains.py)."""

from backend.communities.routes import AdminController, CommuneController, CommunityController
from backend.lib.domain import Domain

DOMAIN = Domain(name="communities", routes=[CommunityController, CommuneController, AdminController])
