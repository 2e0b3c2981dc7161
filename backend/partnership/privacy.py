"""What the partnership domain holds about a person, for the privacy domain (declared in domain.py).
The applications' contacts and agents and the police referent are not accounts: their names and
addresses stay in the mairie's application and convention, which are the mairie's records."""

from backend.lib.personal_data import OnErase, PersonalData
from backend.partnership.tables import CitizenReferent, Convention, MairieApplication

PERSONAL_DATA = [
    PersonalData(CitizenReferent, "user", OnErase.DELETE, "Mon rôle de référent citoyen (Participation citoyenne)"),
    PersonalData(CitizenReferent, "named_by", OnErase.ANONYMISE, "Référents citoyens que j'ai nommés", export=False),
    PersonalData(Convention, "updated_by", OnErase.ANONYMISE, "Conventions « Participation citoyenne » que j'ai saisies",
                 export=False),
    PersonalData(MairieApplication, "decided_by", OnErase.ANONYMISE, "Demandes de mairies que j'ai traitées",
                 export=False),
]
