"""Veille solidaire routes. Routes on one check-in are open to signed-in people, then the service
decides: the person, accepted watchers and the community's referents see it, anyone else gets
404 (see test_checkin_visibility.py); the world of the matrix has no check-in, so every
signed-in role gets 404 there."""

from tests.security.guard_matrix import MEMBERS, SIGNED_IN

CHECKIN = "/api/v1/solidarity/checkins/{checkin_id:int}"

MATRIX: dict[str, set[str]] = {
    "POST /api/v1/communities/{community_id:int}/checkins": MEMBERS,
    "GET /api/v1/communities/{community_id:int}/checkins": {"referent"},
    "GET /api/v1/communities/{community_id:int}/checkins/candidates": MEMBERS,
    "GET /api/v1/solidarity/checkins": SIGNED_IN,
    f"GET {CHECKIN}": SIGNED_IN,
    f"PATCH {CHECKIN}": SIGNED_IN,
    f"POST {CHECKIN}/stop": SIGNED_IN,
    f"POST {CHECKIN}/watchers": SIGNED_IN,
    f"DELETE {CHECKIN}/watchers/{{user_id:int}}": SIGNED_IN,
    f"POST {CHECKIN}/invitation/accept": SIGNED_IN,
    f"POST {CHECKIN}/invitation/decline": SIGNED_IN,
    f"POST {CHECKIN}/confirm": SIGNED_IN,
    f"POST {CHECKIN}/refuse": SIGNED_IN,
    f"POST {CHECKIN}/check-in": SIGNED_IN,
    f"POST {CHECKIN}/going": SIGNED_IN,
    f"POST {CHECKIN}/resolve": SIGNED_IN,
    f"POST {CHECKIN}/link-alert": SIGNED_IN,
    f"GET {CHECKIN}/history": SIGNED_IN,
}

QUERY = {"GET /api/v1/communities/{community_id:int}/checkins/candidates": {"q": "Test"}}
