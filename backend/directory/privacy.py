"""What the directory holds about a person, for the privacy domain (declared in domain.py)."""

from backend.directory.tables import Profile, ProfilePhoto
from backend.lib.personal_data import OnErase, PersonalData

PERSONAL_DATA = [
    PersonalData(Profile, "user", OnErase.DELETE, "Ma fiche dans l'annuaire"),
    PersonalData(ProfilePhoto, "user", OnErase.DELETE, "Ma photo (JPEG, encodée en base64)"),
]
