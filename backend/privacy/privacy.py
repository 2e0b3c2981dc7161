"""What the privacy domain itself holds about a person (declared in its domain.py, like every domain)."""

from backend.lib.personal_data import OnErase, PersonalData
from backend.privacy.tables import ErasureRequest

PERSONAL_DATA = [
    PersonalData(ErasureRequest, "user", OnErase.DELETE, "Ma demande de suppression de compte"),
]
