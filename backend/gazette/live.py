"""Gazette events on the live stream (best effort; the lists stay the source of truth).

Events: `gazette.post_created`, `gazette.post_updated` (pin, photos, answers, seats),
`gazette.post_removed` (removed or deleted), `gazette.comment_created`, `gazette.comment_deleted`.
A community post's events go to its community; a mairie communication's to its commune (all
communities) or to each chosen community. Data carries ids and a title, never private fields;
`gazette.post_removed` carries only ids and `state: "removed"` (nobody may read the post any more).
"""

from __future__ import annotations

from typing import Any

from backend.gazette.access import audience_of
from backend.live.service import LiveEvent, publish


async def publish_post_event(target: Any, event_type: str, row: dict[str, Any], **extra: Any) -> None:
    """Publish about the post `row` (as loaded by the service) to everyone who reads it.

    `target`: `app.state` or a job's ctx (anything `backend.live.service.publish` takes)."""
    community, commune, chosen = audience_of(row)
    if event_type == "gazette.post_removed":  # gone: no title on the stream
        data = {"post_id": row["id"], "community_id": row["community"], "commune_id": row["commune"],
                "state": "removed"}
    else:
        data = {"post_id": row["id"], "kind": row["kind"], "title": row["title"], "community_id": row["community"],
                "commune_id": row["commune"], **extra}
    if community is not None or commune is not None:
        await publish(target, LiveEvent(type=event_type, data=data, community_id=community, commune_id=commune,
                                             moderators=True))
        return
    for community_id in chosen:
        await publish(target, LiveEvent(type=event_type, data=data, community_id=community_id))


def row_of(post: Any) -> dict[str, Any]:
    """The fields `publish_post_event` needs, from a PostOut."""
    chosen = post.mairie.community_ids if post.mairie else None
    return {"id": post.id, "kind": post.kind, "title": post.title, "community": post.community_id,
            "commune": post.commune_id, "all_communities": post.mairie is not None and chosen is None,
            "targets": chosen}
