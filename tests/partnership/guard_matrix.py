"""Partnership routes. Public: the mairie's application form, the agents' invitation links and the
police referent's acknowledgement link (the signed link is the key; 400 here, no token). The
convention: the commune's staff and admins, never another commune's staff. The police
acknowledgement of an alert: its author ("member" posted the world's alert), the commune's staff,
moderators and admins."""

from tests.security.guard_matrix import ALL, PLATFORM

STAFF = {"staff", "admin"}

MATRIX: dict[str, set[str]] = {
    "POST /api/v1/mairie-applications": ALL,
    "GET /api/v1/mairie-applications": {"admin"},
    "POST /api/v1/mairie-applications/{application_id:int}/approve": {"admin"},
    "POST /api/v1/mairie-applications/{application_id:int}/refuse": {"admin"},
    "POST /api/v1/invitations/check": ALL,
    "POST /api/v1/invitations/accept": ALL,
    "GET /api/v1/communes/{commune_id:int}/partnership": STAFF,
    "PUT /api/v1/communes/{commune_id:int}/partnership": STAFF,
    "POST /api/v1/communes/{commune_id:int}/partnership/citizen-referents": STAFF,
    "DELETE /api/v1/communes/{commune_id:int}/partnership/citizen-referents/{user_id:int}": STAFF,
    "GET /api/v1/communes/{commune_id:int}/partnership/police-alerts": STAFF,
    "POST /api/v1/police-acknowledgements/view": ALL,
    "POST /api/v1/police-acknowledgements": ALL,
    "GET /api/v1/alerts/{alert_id:int}/police-acknowledgement": {"member", "staff"} | PLATFORM,
}
