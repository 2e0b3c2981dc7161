"""Routes of community perimeters and of moving house (the verification domain's address change)."""

MATRIX: dict[str, set[str]] = {
    "PUT /api/v1/communities/{community_id:int}/perimeter": {"referent", "staff", "admin"},
    "PUT /api/v1/verification/address": {"unverified", "other_member", "member", "referent", "other_staff", "staff",
                                         "moderator", "admin"},
}
