"""Privacy routes: « Mes données » for any signed-in person, the privacy page for everyone."""

ALL = {"anonymous", "unverified", "other_member", "member", "referent", "other_staff", "staff", "moderator", "admin"}

MATRIX: dict[str, set[str]] = {
    "GET /api/v1/privacy/export": ALL - {"anonymous"},
    "GET /api/v1/privacy/export.html": ALL - {"anonymous"},
    "POST /api/v1/privacy/delete-account": ALL - {"anonymous"},
    "PUT /api/v1/privacy/identity": ALL - {"anonymous"},
    "GET /api/v1/open/privacy": ALL,
}
