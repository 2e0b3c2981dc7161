"""Directory routes: a community's directory for its active members, moderators and admins (never
mairie staff nor other communities); one's own profile and photo for anyone signed in."""

from tests.security.guard_matrix import MEMBERS, PLATFORM, SIGNED_IN

MATRIX: dict[str, set[str]] = {
    "GET /api/v1/communities/{community_id:int}/directory": MEMBERS | PLATFORM,
    "GET /api/v1/communities/{community_id:int}/directory/page": MEMBERS | PLATFORM,
    "GET /api/v1/communities/{community_id:int}/directory/{user_id:int}": MEMBERS | PLATFORM,
    "GET /api/v1/directory/skills": SIGNED_IN,
    "GET /api/v1/directory/me": SIGNED_IN,
    "PATCH /api/v1/directory/me": SIGNED_IN,
    "PUT /api/v1/directory/me/photo": SIGNED_IN,
    "DELETE /api/v1/directory/me/photo": SIGNED_IN,
    # Signed-in guard, then 404 unless the photo's owner is listed with the caller (or moderator).
    "GET /api/v1/directory/photos/{user_id:int}": SIGNED_IN,
}
