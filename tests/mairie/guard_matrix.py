"""Mairie routes: staff of the commune (and admins) only, except what members, authors and the
public may read. Staff of another commune are denied everywhere here (the guard, before any
lookup). Routes with an id of their own answer 404 to allowed roles in the matrix test."""

from tests.security.guard_matrix import ALL, MEMBERS, PLATFORM, SIGNED_IN

STAFF = {"staff", "admin"}

MATRIX: dict[str, set[str]] = {
    "POST /api/v1/communes/{commune_id:int}/broadcasts/preview": STAFF,
    "POST /api/v1/communes/{commune_id:int}/broadcasts": STAFF,
    "GET /api/v1/communes/{commune_id:int}/broadcasts": STAFF,
    "GET /api/v1/communes/{commune_id:int}/broadcasts/{broadcast_id:int}": STAFF,
    "PATCH /api/v1/communes/{commune_id:int}/broadcasts/{broadcast_id:int}": STAFF,
    "POST /api/v1/communes/{commune_id:int}/broadcasts/{broadcast_id:int}/cancel": STAFF,
    "POST /api/v1/communes/{commune_id:int}/broadcasts/{broadcast_id:int}/followups": STAFF,
    "POST /api/v1/communes/{commune_id:int}/safety-checks": STAFF,
    "GET /api/v1/communes/{commune_id:int}/safety-checks": STAFF,
    "GET /api/v1/communes/{commune_id:int}/safety-checks/{check_id:int}": STAFF,
    "POST /api/v1/communes/{commune_id:int}/safety-checks/{check_id:int}/close": STAFF,
    "GET /api/v1/me/safety-checks": SIGNED_IN,
    "POST /api/v1/safety-checks/{check_id:int}/answer": SIGNED_IN,  # 404 unless one was asked
    "GET /api/v1/communes/{commune_id:int}/dashboard": STAFF,
    "GET /api/v1/communes/{commune_id:int}/dashboard.csv": STAFF,
    "GET /api/v1/communes/{commune_id:int}/inbox": STAFF,
    "POST /api/v1/communes/{commune_id:int}/forwarded-alerts/{alert_id:int}/acknowledge": STAFF,
    "GET /api/v1/communes/{commune_id:int}/police-contact": STAFF,
    "PUT /api/v1/communes/{commune_id:int}/police-contact": STAFF,
    "GET /api/v1/communes/{commune_id:int}/sms-budget": STAFF,
    "PUT /api/v1/communes/{commune_id:int}/sms-budget": {"admin"},
    "GET /api/v1/communes/{commune_id:int}/signage-orders": STAFF,
    "POST /api/v1/communes/{commune_id:int}/signage-orders": STAFF,
    "POST /api/v1/communes/{commune_id:int}/signage-orders/{order_id:int}/decision": STAFF,
    "GET /api/v1/communities/{community_id:int}/broadcasts": MEMBERS | {"staff"} | PLATFORM,
    "GET /api/v1/communities/{community_id:int}/signage-orders": {"referent"} | STAFF,
    "POST /api/v1/communities/{community_id:int}/signage-orders": {"referent"} | STAFF,
    "GET /api/v1/broadcasts/{broadcast_id:int}": ALL,  # public, like the CAP feed (404 here: none sent)
    "GET /api/v1/open/communes/{commune_id:int}/cap/{broadcast_id:int}": ALL,
    "GET /api/v1/open/communes/{commune_id:int}/feed.atom": ALL,
    # The world's alert is by "member" and flagged for the mairie: its author, the commune's staff,
    # moderators and admins read the acknowledgement; the neighbours do not.
    "GET /api/v1/alerts/{alert_id:int}/acknowledgement": {"member", "staff"} | PLATFORM,
}

QUERY = {"GET /api/v1/communes/{commune_id:int}/dashboard.csv": {"table": "communities"}}
