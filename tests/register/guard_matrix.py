"""Register routes. Staff routes are for the commune's mairie staff only (not even admins: the
register holds health notes). The others are open to signed-in people, then the service decides:
the person, the people they named, assigned volunteers during an episode — 404 for anyone else
(tests/register/test_register_access.py); the matrix's world has no entry, so they get 404 or 400."""

from tests.security.guard_matrix import SIGNED_IN

COMMUNE = "/api/v1/communes/{commune_id:int}"
REGISTER = "/api/v1/register"

MATRIX: dict[str, set[str]] = {
    f"GET {COMMUNE}/register": {"staff"},
    f"POST {COMMUNE}/register": {"staff"},
    f"POST {COMMUNE}/register/{{entry_id:int}}/call-confirmation": {"staff"},
    f"GET {COMMUNE}/volunteers": {"staff"},
    f"POST {COMMUNE}/volunteers/{{user_id:int}}/assignments": {"staff"},
    f"DELETE {COMMUNE}/volunteers/{{user_id:int}}/assignments/{{entry_id:int}}": {"staff"},
    f"GET {COMMUNE}/episodes": {"staff"},
    f"POST {COMMUNE}/episodes": {"staff"},
    f"GET {COMMUNE}/episodes/{{episode_id:int}}/board": {"staff"},
    f"POST {COMMUNE}/episodes/{{episode_id:int}}/close": {"staff"},
    f"GET {REGISTER}/mine": SIGNED_IN,
    f"POST {REGISTER}/me": SIGNED_IN,
    f"POST {REGISTER}/relatives": SIGNED_IN,
    f"GET {REGISTER}/volunteer": SIGNED_IN,
    f"GET {REGISTER}/{{entry_id:int}}": SIGNED_IN,
    f"POST {REGISTER}/{{entry_id:int}}/confirm": SIGNED_IN,
    f"POST {REGISTER}/{{entry_id:int}}/refuse": SIGNED_IN,
    f"POST {REGISTER}/{{entry_id:int}}/remove": SIGNED_IN,
    f"POST {REGISTER}/checks/{{check_id:int}}/answer": SIGNED_IN,
    f"POST {REGISTER}/checks/{{check_id:int}}/call": SIGNED_IN,
}
