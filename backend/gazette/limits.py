"""Per-person limits of the Gazette (Valkey, shared by every API instance; fail open when it is down).

Only what was created counts: a refused or invalid request leaves the counter alone.
"""

from __future__ import annotations

from typing import Any, Mapping

from backend.lib import ratelimit

LIMITS = {
    "posts": ("gazette_posts_per_hour", "gazette_post_rate_limited",
              "Vous avez atteint la limite de {limit} publications par heure dans la Gazette. "
              "Réessayez dans {minutes} min."),
    "comments": ("gazette_comments_per_hour", "gazette_comment_rate_limited",
                 "Vous avez atteint la limite de {limit} commentaires par heure dans la Gazette. "
                 "Réessayez dans {minutes} min."),
}


def creation_limit(res: Mapping[str, Any], user_id: int, what: str) -> ratelimit.CreationLimit:
    """The hourly limit of `what` ("posts" or "comments") for one person; `res`: `app.state`."""
    field, code, message = LIMITS[what]
    settings = res["settings"]
    limit = getattr(settings, field)
    return ratelimit.CreationLimit(res["valkey"], f"gazette-{what}:{user_id}", limit,
                                   settings.gazette_limit_window_seconds, message.replace("{limit}", str(limit)), code)
