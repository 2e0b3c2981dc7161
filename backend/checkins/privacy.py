"""What the check-ins (veille solidaire) hold about a person, for the privacy domain (declared in domain.py).

Erasing an account removes the person's own watch (its watchers, rounds and events follow) and
their place as a watcher; what they did in others' watches stays, signed « Ancien membre ».
"""

from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound, CheckinWatcher
from backend.lib.personal_data import OnErase, PersonalData

PERSONAL_DATA = [
    PersonalData(Checkin, "person", OnErase.DELETE, "Ma veille solidaire"),
    PersonalData(Checkin, "created_by", OnErase.ANONYMISE, "Veilles que j'ai préparées", export=False),
    PersonalData(Checkin, "consent_recorded_by", OnErase.ANONYMISE, "Accords que j'ai notés", export=False),
    PersonalData(Checkin, "stopped_by", OnErase.ANONYMISE, "Veilles que j'ai arrêtées", export=False),
    PersonalData(CheckinWatcher, "user", OnErase.DELETE, "Les veilles où je veille sur quelqu'un"),
    PersonalData(CheckinWatcher, "invited_by", OnErase.ANONYMISE, "Veilleurs que j'ai invités", export=False),
    PersonalData(CheckinRound, "going_by", OnErase.ANONYMISE, "Passages que j'ai annoncés"),
    PersonalData(CheckinRound, "resolved_by", OnErase.ANONYMISE, "Veilles que j'ai closes"),
    PersonalData(CheckinEvent, "actor", OnErase.ANONYMISE, "Ce que j'ai fait dans une veille"),
    PersonalData(CheckinEvent, "subject", OnErase.ANONYMISE, "Événements de veille me concernant", export=False),
]
