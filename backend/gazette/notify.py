"""What the Gazette's notifications say and to whom (registered with the delivery machinery).

- `gazette_mairie` (a communication): every active member of the communities concerned,
  push and e-mail, following their preferences and quiet hours;
- `gazette_ride_ask` (a seat request): the driver, push and e-mail;
- `gazette_ride_answer` (accepted or refused): the passenger, push and e-mail;
- `gazette_comment` (a comment): the post's author, push only;
- `gazette_ride_cancel` (the driver deleted a carpool before departure): its accepted and
  pending passengers, push and e-mail, from the copy kept in `gazette_ride_cancellations`.

Handlers reload by id and return None when the thing is gone or removed: nothing is sent.
"""

from __future__ import annotations

import json
from typing import Any

from backend.communities.tables import Community
from backend.delivery.kinds import Notice
from backend.delivery.service import Audience, FanoutPlan, Members, Recipient, user_recipients
from backend.gazette.access import MAIRIE, MAIRIE_KIND, mairie_targets
from backend.gazette.carpools import RIDE_ANSWER_KIND, RIDE_ASK_KIND, RIDE_CANCEL_KIND
from backend.gazette.comments import COMMENT_KIND
from backend.gazette.tables import GazetteComment, GazettePost, GazetteRideCancellation, GazetteRideRequest
from backend.lib import clock
from backend.lib.french import de
from backend.lib.i18n import moment_in_figures, phrasebook, supported
from backend.lib.templates import render_notice
from backend.settings import Settings

# What the notices say, by locale (a new language is one more entry with the same keys).
TEXTS = {
    "fr": {
        "town_hall": "Mairie {de_commune}",
        "mairie_title": "{town_hall} : {title}",
        "mairie_intro": "La {town_hall} communique, dans la Gazette de votre quartier :",
        "mairie_until": "Affiché jusqu'au {until}.",
        "mairie_why": "Vous recevez ce message parce que vous êtes membre d'un quartier de cette commune sur Vigie.",
        "quoted": "« {text} »",
        "leaves": "départ le",
        "ride_ask_title": "Covoiturage : une demande de place",
        "ride_ask_body": "{who} demande une place : {trip}.",
        "ride_ask_intro": "Une voisine ou un voisin demande une place dans votre covoiturage :",
        "ride_ask_action": "Acceptez ou refusez la demande dans la Gazette.",
        "ride_ask_why": "Vous recevez ce message parce que vous proposez ce covoiturage sur Vigie.",
        "ride_accepted_title": "Covoiturage : place acceptée",
        "ride_accepted_body": "Votre place est réservée : {trip}.",
        "ride_refused_title": "Covoiturage : demande refusée",
        "ride_refused_body": "Le conducteur n'a pas pu vous prendre : {trip}.",
        "ride_answer_intro": "Réponse à votre demande de covoiturage :",
        "ride_answer_why": "Vous recevez ce message parce que vous avez demandé cette place sur Vigie.",
        "comment_title": "Nouveau commentaire : {title}",
        "ride_cancel_title": "Covoiturage annulé",
        "ride_cancel_body": "Le covoiturage {trip} du {when} a été annulé par son conducteur. "
                            "Votre place ou votre demande n'a plus cours.",
        "ride_cancel_intro": "Un covoiturage de la Gazette est annulé :",
        "ride_cancel_why": "Vous recevez ce message parce que vous aviez demandé une place dans ce covoiturage sur Vigie.",
    },
    "en": {
        "town_hall": "{commune} town hall",
        "mairie_title": "{town_hall}: {title}",
        "mairie_intro": "The {town_hall} says, in your neighbourhood's Gazette:",
        "mairie_until": "Shown until {until}.",
        "mairie_why": "You receive this message because you are a member of a neighbourhood of this commune on Vigie.",
        "quoted": "“{text}”",
        "leaves": "leaving on",
        "ride_ask_title": "Carpool: a seat request",
        "ride_ask_body": "{who} asks for a seat: {trip}.",
        "ride_ask_intro": "A neighbour asks for a seat in your carpool:",
        "ride_ask_action": "Accept or decline the request in the Gazette.",
        "ride_ask_why": "You receive this message because you offer this carpool on Vigie.",
        "ride_accepted_title": "Carpool: seat accepted",
        "ride_accepted_body": "Your seat is booked: {trip}.",
        "ride_refused_title": "Carpool: request declined",
        "ride_refused_body": "The driver could not take you: {trip}.",
        "ride_answer_intro": "The answer to your carpool request:",
        "ride_answer_why": "You receive this message because you asked for this seat on Vigie.",
        "comment_title": "New comment: {title}",
        "ride_cancel_title": "Carpool cancelled",
        "ride_cancel_body": "The carpool {trip} on {when} was cancelled by its driver. "
                            "Your seat or your request no longer stands.",
        "ride_cancel_intro": "A carpool of the Gazette is cancelled:",
        "ride_cancel_why": "You receive this message because you had asked for a seat in this carpool on Vigie.",
    },
}

PUSH_AND_EMAIL = FanoutPlan(channels=("push", "email"))
PUSH_ONLY = FanoutPlan(channels=("push",))


def _url(post_id: int) -> str:
    return f"/#/gazette/{post_id}"


def _mail(intro: str, content: str, why: str, locale: str = "fr") -> str:
    return render_notice("email/gazette.txt", locale, intro=intro, content=content, why=why)


async def _published(post_id: int) -> dict[str, Any] | None:
    row = await GazettePost.select(GazettePost.all_columns(), GazettePost.commune.name).where(
        GazettePost.id == post_id).first()
    return row if row is not None and row["status"] == "published" else None


class MairieCommunicationNotice:
    async def audience(self, ref_id: int) -> tuple[Audience, FanoutPlan] | None:
        row = await _published(ref_id)
        if row is None or row["kind"] != MAIRIE:
            return None
        if row["all_communities"]:
            ids = [c["id"] for c in await Community.select(Community.id).where(Community.commune == row["commune"])]
        else:
            ids = (await mairie_targets([ref_id])).get(ref_id, [])
        if not ids:
            return [], PUSH_AND_EMAIL
        return Members(ids, row["author"]), PUSH_AND_EMAIL

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _published(ref_id)
        if row is None or row["kind"] != MAIRIE:
            return None
        locale = supported(locale)
        say = phrasebook(TEXTS, locale, commune=row["commune.name"], de_commune=de(row["commune.name"], proper=True))
        town_hall = say("town_hall")
        title = say("mairie_title", town_hall=town_hall, title=row["title"])
        until = say("mairie_until", until=moment_in_figures(row["expires_at"], locale))
        return Notice(
            title=title, body=row["body"], url=_url(ref_id), tag=f"gazette-{ref_id}",
            event=MAIRIE_KIND, ref_id=ref_id, community=row["commune.name"], ttl=24 * 3600,
            email_subject=f"[Vigie] {title}",
            email_text=_mail(say("mairie_intro", town_hall=town_hall), f"{row['title']}\n\n{row['body']}\n\n{until}",
                             say("mairie_why"), locale),
        )


async def _ride(request_id: int, locale: str = "fr") -> dict[str, Any] | None:
    request = await GazetteRideRequest.select(
        GazetteRideRequest.all_columns(), GazetteRideRequest.user.first_name, GazetteRideRequest.user.last_name,
    ).where(GazetteRideRequest.id == request_id).first()
    if request is None:
        return None
    post = await _published(request["post"])
    if post is None:
        return None
    leaves = phrasebook(TEXTS, locale)("leaves")
    request["trip"] = f"{post['from_place']} → {post['to_place']}, {leaves} {moment_in_figures(post['starts_at'], locale)}"
    request["post_row"] = post
    return request


class RideAskNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        request = await _ride(ref_id)
        if request is None or request["status"] != "pending":
            return None
        return await user_recipients([request["post_row"]["author"]]), PUSH_AND_EMAIL

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        locale = supported(locale)
        request = await _ride(ref_id, locale)
        if request is None:
            return None
        say = phrasebook(TEXTS, locale)
        who = f"{request['user.first_name']} {request['user.last_name']}"
        body = say("ride_ask_body", who=who, trip=request["trip"])
        if request["message"]:
            body += "\n" + say("quoted", text=request["message"])
        return Notice(
            title=say("ride_ask_title"), body=body, url=_url(request["post"]), tag=f"gazette-ride-{ref_id}",
            event=RIDE_ASK_KIND, ref_id=ref_id, email_subject=f"[Vigie] {say('ride_ask_title')}",
            email_text=_mail(say("ride_ask_intro"), f"{body}\n\n{say('ride_ask_action')}", say("ride_ask_why"), locale),
        )


class RideAnswerNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        request = await _ride(ref_id)
        if request is None or request["status"] == "pending":
            return None
        return await user_recipients([request["user"]]), PUSH_AND_EMAIL

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        locale = supported(locale)
        request = await _ride(ref_id, locale)
        if request is None or request["status"] == "pending":
            return None
        say = phrasebook(TEXTS, locale)
        answer = "ride_accepted" if request["status"] == "accepted" else "ride_refused"
        title = say(f"{answer}_title")
        body = say(f"{answer}_body", trip=request["trip"])
        return Notice(
            title=title, body=body, url=_url(request["post"]), tag=f"gazette-ride-{ref_id}", event=RIDE_ANSWER_KIND,
            ref_id=ref_id, email_subject=f"[Vigie] {title}",
            email_text=_mail(say("ride_answer_intro"), body, say("ride_answer_why"), locale),
        )


async def _comment(comment_id: int) -> dict[str, Any] | None:
    comment = await GazetteComment.select(
        GazetteComment.all_columns(), GazetteComment.author.first_name, GazetteComment.author.last_name,
    ).where(GazetteComment.id == comment_id).first()
    if comment is None:
        return None
    post = await _published(comment["post"])
    if post is None or post["author"] == comment["author"]:
        return None
    comment["post_row"] = post
    return comment


class CommentNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        comment = await _comment(ref_id)
        if comment is None:
            return None
        return await user_recipients([comment["post_row"]["author"]]), PUSH_ONLY

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        comment = await _comment(ref_id)
        if comment is None:
            return None
        post = comment["post_row"]
        return Notice(
            title=phrasebook(TEXTS, locale)("comment_title", title=post["title"]),
            body=f"{comment['author.first_name']} {comment['author.last_name']} : {comment['body']}",
            url=_url(post["id"]), tag=f"gazette-comments-{post['id']}", event=COMMENT_KIND, ref_id=ref_id,
            ttl=12 * 3600, urgency="low",
        )


async def _cancellation(cancellation_id: int) -> dict[str, Any] | None:
    row = await GazetteRideCancellation.select().where(GazetteRideCancellation.id == cancellation_id).first()
    if row is None or row["departs_at"] <= clock.now():  # purged, or the car would have left: say nothing
        return None
    return row


class RideCancelledNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await _cancellation(ref_id)
        if row is None:
            return None
        return await user_recipients(json.loads(row["passengers"])), PUSH_AND_EMAIL

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _cancellation(ref_id)
        if row is None:
            return None
        locale = supported(locale)
        say = phrasebook(TEXTS, locale)
        body = say("ride_cancel_body", trip=f"{row['from_place']} → {row['to_place']}",
                   when=moment_in_figures(row["departs_at"], locale))
        until_departure = int((row["departs_at"] - clock.now()).total_seconds())
        return Notice(
            title=say("ride_cancel_title"), body=body, url="/#/gazette", tag=f"gazette-ride-cancelled-{ref_id}",
            event=RIDE_CANCEL_KIND, ref_id=ref_id, ttl=max(60, min(24 * 3600, until_departure)), urgency="high",
            email_subject=f"[Vigie] {say('ride_cancel_title')}",
            email_text=_mail(say("ride_cancel_intro"), f"{say('quoted', text=row['title'])}\n\n{body}",
                             say("ride_cancel_why"), locale),
        )
