"""Who may call what: every API route, as every kind of person.

Roles: anonymous, unverified (pending member of the community), other_member (member of a
sibling community), member, referent, other_staff (mairie staff of another commune),
staff (mairie staff of the community's commune), moderator, admin.
Each domain adds its routes here; the test fails for any route missing from this table.
"""

ALL = {"anonymous", "unverified", "other_member", "member", "referent", "other_staff", "staff", "moderator", "admin"}
SIGNED_IN = ALL - {"anonymous"}
MEMBERS = {"member", "referent"}
PLATFORM = {"moderator", "admin"}

MATRIX: dict[str, set[str]] = {
    "GET /api/v1/health": ALL,
    "GET /api/v1/ping": ALL,
    "GET /api/v1/metrics": ALL,  # not by role: loopback clients or the metrics_token (tests/delivery/test_health_and_metrics.py)
    "POST /api/v1/auth/signup": ALL,
    "POST /api/v1/auth/login": ALL,
    "POST /api/v1/auth/logout": SIGNED_IN,
    "GET /api/v1/auth/me": SIGNED_IN,
    "PUT /api/v1/auth/locale": SIGNED_IN,
    "POST /api/v1/auth/password": SIGNED_IN,
    "POST /api/v1/auth/password-reset": ALL,
    "POST /api/v1/auth/password-reset/confirm": ALL,
    "GET /api/v1/communities/search": ALL,
    "GET /api/v1/communes/search": ALL,
    "GET /api/v1/communities/{community_id:int}": MEMBERS | {"staff"} | PLATFORM,
    "POST /api/v1/communities/{community_id:int}/join": SIGNED_IN,
    "GET /api/v1/communities/{community_id:int}/pending": {"referent", "staff"} | PLATFORM,
    "POST /api/v1/communities/{community_id:int}/referents": {"staff", "admin"},
    "GET /api/v1/communes": {"other_staff", "staff"} | PLATFORM,
    "POST /api/v1/communes": {"admin"},
    "POST /api/v1/communes/{commune_id:int}/communities": {"staff", "admin"},
    "POST /api/v1/communes/{commune_id:int}/staff": {"admin"},
    "POST /api/v1/admin/moderators": {"admin"},
    "POST /api/v1/verification/redeem": SIGNED_IN,
    "POST /api/v1/verification/reissue": SIGNED_IN,
    "GET /api/v1/letters": PLATFORM,
    "POST /api/v1/letters/batch": PLATFORM,
    "GET /api/v1/dev/outbox": ALL,
    "GET /dev/outbox": ALL,
    "GET /dev/outbox/letters/{name:str}": ALL,
    "GET /sw.js": ALL,
    "GET /schema": ALL,  # the OpenAPI document (also at /schema/openapi.json)
    "GET /schema/openapi.json": ALL,
    "GET /schema/{path:str}": ALL,  # Litestar's 404 for other schema files
}

# Query strings some routes need to get past parameter parsing.
QUERY: dict[str, dict[str, str]] = {
    "GET /api/v1/communities/search": {"q": "45"},
    "GET /api/v1/communes/search": {"q": "45"},
}

TARGET = {"POST /api/v1/communities/{community_id:int}/join": "foreign"}
