"""Messaging routes: conversations open to active members of the community; every conversation
route is signed-in, then 404 unless the caller takes part; moderation for moderators and admins."""

from tests.security.guard_matrix import MEMBERS, PLATFORM, SIGNED_IN

MATRIX: dict[str, set[str]] = {
    "POST /api/v1/communities/{community_id:int}/conversations": MEMBERS,
    "GET /api/v1/messages/conversations": SIGNED_IN,
    "GET /api/v1/messages/unread": SIGNED_IN,
    "GET /api/v1/messages/conversations/{conversation_id:int}": SIGNED_IN,
    "GET /api/v1/messages/conversations/{conversation_id:int}/messages": SIGNED_IN,
    "POST /api/v1/messages/conversations/{conversation_id:int}/messages": SIGNED_IN,
    "POST /api/v1/messages/conversations/{conversation_id:int}/read": SIGNED_IN,
    "POST /api/v1/messages/conversations/{conversation_id:int}/participants": SIGNED_IN,
    "POST /api/v1/messages/conversations/{conversation_id:int}/leave": SIGNED_IN,
    "POST /api/v1/messages/conversations/{conversation_id:int}/report": SIGNED_IN,
    "GET /api/v1/messages/blocks": SIGNED_IN,
    "POST /api/v1/messages/blocks": SIGNED_IN,
    "DELETE /api/v1/messages/blocks/{user_id:int}": SIGNED_IN,
    "GET /api/v1/moderation/conversation-reports": PLATFORM,
    "POST /api/v1/moderation/conversation-reports/{report_id:int}/close": PLATFORM,
    "GET /api/v1/moderation/conversations/{conversation_id:int}": PLATFORM,  # then 403 without an open report
    "GET /api/v1/moderation/conversations/{conversation_id:int}/reads": PLATFORM,
}
