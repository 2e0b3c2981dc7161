"""What the mairie domain holds about a person, for the privacy domain (declared in domain.py)."""

from backend.lib.personal_data import OnErase, PersonalData
from backend.mairie.tables import Acknowledgement, Broadcast, SafetyAnswer, SafetyCheck, SignageOrder

PERSONAL_DATA = [
    PersonalData(Broadcast, "author", OnErase.ANONYMISE, "Mes diffusions de la mairie"),
    PersonalData(SafetyCheck, "author", OnErase.ANONYMISE, "Mes demandes « Tout va bien ? »"),
    PersonalData(SafetyAnswer, "user", OnErase.DELETE, "Mes réponses à « Tout va bien ? »"),
    PersonalData(Acknowledgement, "staff", OnErase.ANONYMISE, "Mes accusés de réception d'alertes"),
    PersonalData(SignageOrder, "requested_by", OnErase.ANONYMISE, "Mes commandes de panneaux"),
    PersonalData(SignageOrder, "decided_by", OnErase.ANONYMISE, "Commandes de panneaux traitées par moi",
                 export=False),
]
