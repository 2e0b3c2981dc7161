"""Routes of community perimeters, of moving house (the verification domain's address change), and of
finding people by name to appoint them."""

MATRIX: dict[str, set[str]] = {
    "PUT /api/v1/communities/{community_id:int}/perimeter": {"referent", "staff", "admin"},
    "PUT /api/v1/verification/address": {"unverified", "other_member", "member", "referent", "other_staff", "staff",
                                         "moderator", "admin"},
    # Appointing by name: the commune's staff search its verified members, admins everyone.
    "GET /api/v1/communes/{commune_id:int}/people": {"staff", "admin"},
    "GET /api/v1/admin/people": {"admin"},
    "GET /api/v1/communes/official": {"anonymous", "unverified", "other_member", "member", "referent", "other_staff",
                                      "staff", "moderator", "admin"},
}

QUERY: dict[str, dict[str, str]] = {
    "GET /api/v1/communes/{commune_id:int}/people": {"q": "Test"},
    "GET /api/v1/admin/people": {"q": "Test"},
    "GET /api/v1/communes/official": {"q": "45"},
}
