"""Answers to Gazette events: « je viens », « peut-être » or no answer, and their counts."""

from __future__ import annotations

from functools import partial
from typing import Any, Mapping

from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.gazette.access import is_unique_violation, reader_communities, visible
from backend.gazette.live import publish_post_event
from backend.gazette.schemas import RsvpOut
from backend.gazette.tables import GazetteRsvp
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, Forbidden

ANSWERS = ("going", "maybe", "none")


async def rsvp_counts(post_id: int, user_id: int) -> RsvpOut:
    rows = await GazetteRsvp.select(GazetteRsvp.user, GazetteRsvp.answer).where(GazetteRsvp.post == post_id)
    mine = next((r["answer"] for r in rows if r["user"] == user_id), "none")
    return RsvpOut(going=sum(r["answer"] == "going" for r in rows), maybe=sum(r["answer"] == "maybe" for r in rows),
                   my_answer=mine)


async def answer_event(principal: Principal, post_id: int, answer: str, *,
                       res: Mapping[str, Any] | None = None) -> tuple[RsvpOut, dict[str, Any]]:
    """"Je viens", "peut-être" or no answer; members of the community, until the event is over.
    With `res` (`app.state`), the live streams hear of it once committed."""
    if answer not in ANSWERS:
        raise DomainError("Réponse inconnue (going, maybe ou none).", "invalid_answer")
    row = await visible(principal, post_id, published=True)
    if row["kind"] != "event":
        raise DomainError("On ne répond qu'à un événement.", "not_an_event")
    if not reader_communities(principal, row, None):
        raise Forbidden("Seuls les membres du quartier répondent aux événements.", "not_member")
    if (row["ends_at"] or row["starts_at"]) <= clock.now():
        raise Conflict("Cet événement est passé.", "event_over")
    me = principal.user_id
    try:
        async with write_transaction():
            await GazetteRsvp.delete().where((GazetteRsvp.post == post_id) & (GazetteRsvp.user == me))
            if answer != "none":
                await GazetteRsvp.insert(GazetteRsvp(post=post_id, user=me, answer=answer, updated_at=clock.now()))
            if res is not None:
                on_commit(partial(publish_post_event, res, "gazette.post_updated", row))
    except Exception as exc:  # the same person answering twice at once: one answer wins
        if not is_unique_violation(exc):
            raise
    return await rsvp_counts(post_id, me), row
