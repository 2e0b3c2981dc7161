"""What the accounts hold about a person, for the privacy domain (declared in domain.py)."""

from backend.auth.tables import User, UserSession
from backend.lib.personal_data import OnErase, PersonalData

PERSONAL_DATA = [
    PersonalData(User, "id", OnErase.DELETE, "Mon compte (nom, coordonnées, adresse, langue)"),
    PersonalData(UserSession, "user", OnErase.DELETE, "Mes connexions ouvertes (appareil, date)"),
]
