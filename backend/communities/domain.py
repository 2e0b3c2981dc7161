"""The communities domain as the wiring sees it (backend/domains.py)."""

from backend.communities.routes import AdminController, CommuneController, CommunityController
from backend.lib.domain import Domain
from backend.communities.privacy import PERSONAL_DATA

DOMAIN = Domain(name="communities", routes=[CommunityController, CommuneController, AdminController],
                personal_data=PERSONAL_DATA)
