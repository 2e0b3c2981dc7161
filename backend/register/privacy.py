"""The register's personal data (backend.lib.personal_data): the mairie keeps its register entry
when an account goes (detached from it: the record is the mairie's, CASF art. R121-2 ff.); the
named contact's link goes the same way; a volunteer's assignments go with them."""

from backend.lib.personal_data import OnErase, PersonalData
from backend.register.tables import Episode, EpisodeCheck, RegisterContact, RegisterEntry, VolunteerAssignment

PERSONAL_DATA = [
    PersonalData(RegisterEntry, "person", OnErase.DETACH, "Mon inscription au registre de la mairie"),
    PersonalData(RegisterEntry, "registered_by", OnErase.ANONYMISE, "Inscriptions au registre que j'ai faites",
                 export=False),
    PersonalData(RegisterEntry, "consent_recorded_by", OnErase.ANONYMISE, "Accords au registre que j'ai notés",
                 export=False),
    PersonalData(RegisterContact, "user", OnErase.DETACH, "Les inscriptions au registre où je suis à prévenir"),
    PersonalData(Episode, "opened_by", OnErase.ANONYMISE, "Épisodes que j'ai ouverts", export=False),
    PersonalData(Episode, "closed_by", OnErase.ANONYMISE, "Épisodes que j'ai clos", export=False),
    PersonalData(EpisodeCheck, "called_by", OnErase.ANONYMISE, "Appels que j'ai notés pendant un épisode"),
    PersonalData(VolunteerAssignment, "volunteer", OnErase.DELETE, "Les personnes qui m'ont été confiées"),
    PersonalData(VolunteerAssignment, "assigned_by", OnErase.ANONYMISE, "Personnes que j'ai confiées à un bénévole",
                 export=False),
]
