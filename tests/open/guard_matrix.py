"""The public pages' data: anyone, signed in or not (rate-limited per address, cached)."""

MATRIX: dict[str, set[str]] = {
    "GET /api/v1/open/communes": {"anonymous", "unverified", "other_member", "member", "referent", "other_staff",
                                  "staff", "moderator", "admin"},
    "GET /api/v1/open/stats": {"anonymous", "unverified", "other_member", "member", "referent", "other_staff",
                               "staff", "moderator", "admin"},
}
