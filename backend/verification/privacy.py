"""What the activation letters hold about a person, for the privacy domain (declared in domain.py)."""

from backend.lib.personal_data import OnErase, PersonalData
from backend.verification.tables import ActivationLetter

PERSONAL_DATA = [
    PersonalData(ActivationLetter, "user", OnErase.DELETE, "Mes courriers d'activation (adresse imprimée, dates)"),
]
