from tests.security.guard_matrix import ALL, MEMBERS, PLATFORM, SIGNED_IN

MATRIX = {
    "POST /api/v1/communities/{community_id:int}/alerts": MEMBERS,
    "GET /api/v1/communities/{community_id:int}/alerts/options": MEMBERS,
    "GET /api/v1/communities/{community_id:int}/alerts": MEMBERS | {"staff"} | PLATFORM,
    # Signed-in guard, then the alert's community decides (403 for other communities/communes).
    "GET /api/v1/alerts/{alert_id:int}": MEMBERS | {"staff"} | PLATFORM,
    "POST /api/v1/alerts/{alert_id:int}/resolve": {"member"},  # only its author
    "GET /api/v1/moderation/alerts": PLATFORM,
    "POST /api/v1/moderation/alerts/{alert_id:int}": PLATFORM,
    "GET /api/v1/moderation/alerts/{alert_id:int}/history": PLATFORM,
    "GET /api/v1/communes/{commune_id:int}/forwarded-alerts": {"staff", "admin"},
    "GET /api/v1/push/public-key": ALL,
    "GET /api/v1/push/subscriptions": SIGNED_IN,
    "POST /api/v1/push/subscriptions": SIGNED_IN,
    "DELETE /api/v1/push/subscriptions/{subscription_id:int}": SIGNED_IN,  # 404 unless one's own
    "POST /api/v1/push/subscriptions/{subscription_id:int}/test": SIGNED_IN,
    "GET /api/v1/me/preferences": SIGNED_IN,
    "PUT /api/v1/me/preferences": SIGNED_IN,
    "POST /api/v1/deliveries/{delivery_id:int}/receipt": SIGNED_IN,  # 404 unless one's own
    "GET /api/v1/email/unsubscribe": ALL,
}

BODY = {"POST /api/v1/alerts/{alert_id:int}/resolve": {"resolution": "resolved"}}

# Signed by the SMS provider, not by a session: anyone may call it, a bad signature gets 401.
MATRIX["POST /api/v1/sms/inbound"] = set()
