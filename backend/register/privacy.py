"""What the register of vulnerable people holds about a person, for the privacy domain (declared in domain.py).

The register is the mairie's: erasing a Vigie account unlinks the person's entry and contacts
from the account (the mairie keeps or removes the entry itself); volunteers' assignments go.
"""

from backend.lib.personal_data import OnErase, PersonalData
from backend.register.tables import Episode, EpisodeCheck, RegisterContact, RegisterEntry, VolunteerAssignment

PERSONAL_DATA = [
    PersonalData(RegisterEntry, "person", OnErase.DETACH, "Mon inscription au registre des personnes vulnérables"),
    PersonalData(RegisterEntry, "registered_by", OnErase.ANONYMISE, "Inscriptions au registre faites par moi"),
    PersonalData(RegisterEntry, "consent_recorded_by", OnErase.ANONYMISE, "Accords au registre notés par moi",
                 export=False),
    PersonalData(RegisterContact, "user", OnErase.DETACH, "Registre : personnes qui m'ont nommé comme contact"),
    PersonalData(Episode, "opened_by", OnErase.ANONYMISE, "Épisodes (canicule…) ouverts par moi", export=False),
    PersonalData(Episode, "closed_by", OnErase.ANONYMISE, "Épisodes clos par moi", export=False),
    PersonalData(EpisodeCheck, "called_by", OnErase.ANONYMISE, "Appels « Tout va bien ? » passés par moi"),
    PersonalData(VolunteerAssignment, "volunteer", OnErase.DELETE, "Mes missions de bénévole du registre"),
    PersonalData(VolunteerAssignment, "assigned_by", OnErase.ANONYMISE, "Missions de bénévole confiées par moi",
                 export=False),
]
