"""What the communities domain holds about a person, for the privacy domain (declared in domain.py)."""

from backend.communities.tables import MairieStaff, Membership
from backend.lib.personal_data import OnErase, PersonalData

PERSONAL_DATA = [
    PersonalData(Membership, "user", OnErase.DELETE, "Mes quartiers (adhésions et rôles)"),
    PersonalData(MairieStaff, "user", OnErase.DELETE, "Mes fonctions en mairie"),
]
