"""Gazette routes as every role (see tests/security). Routes under /gazette/… by a post's, photo's,
comment's or request's own id have a signed-in guard and let the service decide: the matrix
calls them with an id that does not exist (404 for everyone signed in); test_visibility.py
calls each of them as every role on real posts of the world."""

from tests.security.guard_matrix import MEMBERS, PLATFORM, SIGNED_IN

MATRIX: dict[str, set[str]] = {
    "GET /api/v1/communities/{community_id:int}/gazette": MEMBERS | {"staff"} | PLATFORM,
    "POST /api/v1/communities/{community_id:int}/gazette": MEMBERS,
    "POST /api/v1/communes/{commune_id:int}/gazette": {"staff"},
    "GET /api/v1/communes/{commune_id:int}/gazette": {"staff"} | PLATFORM,
    "GET /api/v1/gazette/posts/{post_id:int}": SIGNED_IN,
    "DELETE /api/v1/gazette/posts/{post_id:int}": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/photos": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/comments": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/rsvp": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/ride-requests": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/pin": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/unpin": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/remove": SIGNED_IN,
    "POST /api/v1/gazette/posts/{post_id:int}/report": SIGNED_IN,
    "GET /api/v1/gazette/photos/{photo_id:int}": SIGNED_IN,
    "DELETE /api/v1/gazette/photos/{photo_id:int}": SIGNED_IN,
    "DELETE /api/v1/gazette/comments/{comment_id:int}": SIGNED_IN,
    "POST /api/v1/gazette/ride-requests/{request_id:int}/accept": SIGNED_IN,
    "POST /api/v1/gazette/ride-requests/{request_id:int}/refuse": SIGNED_IN,
    "DELETE /api/v1/gazette/ride-requests/{request_id:int}": SIGNED_IN,
    "GET /api/v1/moderation/gazette-reports": PLATFORM,
    "POST /api/v1/moderation/gazette-reports/{post_id:int}": PLATFORM,
}

# Valid bodies, so that the routes reach their checks (the matrix sends {} otherwise).
BODY = {
    "POST /api/v1/communities/{community_id:int}/gazette": {"kind": "news", "title": "Matrice", "body": "Essai."},
    "POST /api/v1/communes/{commune_id:int}/gazette": {"title": "Matrice", "body": "Essai.",
                                                        "expires_at": "2099-01-01T00:00:00+00:00"},
    "POST /api/v1/gazette/posts/{post_id:int}/comments": {"body": "Essai"},
    "POST /api/v1/gazette/posts/{post_id:int}/rsvp": {"answer": "going"},
    "POST /api/v1/gazette/posts/{post_id:int}/remove": {"reason": "Essai"},
    "POST /api/v1/gazette/posts/{post_id:int}/report": {"reason": "Essai"},
    "POST /api/v1/moderation/gazette-reports/{post_id:int}": {"action": "dismiss"},
}
