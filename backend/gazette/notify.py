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
from backend.delivery.service import FanoutPlan, Recipient, community_recipients, user_recipients
from backend.gazette.access import MAIRIE, MAIRIE_KIND, mairie_targets
from backend.gazette.carpools import RIDE_ANSWER_KIND, RIDE_ASK_KIND, RIDE_CANCEL_KIND
from backend.gazette.comments import COMMENT_KIND
from backend.gazette.tables import GazetteComment, GazettePost, GazetteRideCancellation, GazetteRideRequest
from backend.lib import clock
from backend.lib.french import de
from backend.lib.i18n import moment_in_figures, supported
from backend.lib.templates import render_notice
from backend.settings import Settings

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
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        row = await _published(ref_id)
        if row is None or row["kind"] != MAIRIE:
            return None
        if row["all_communities"]:
            ids = [c["id"] for c in await Community.select(Community.id).where(Community.commune == row["commune"])]
        else:
            ids = (await mairie_targets([ref_id])).get(ref_id, [])
        if not ids:
            return [], PUSH_AND_EMAIL
        return await community_recipients(ids, row["author"]), PUSH_AND_EMAIL

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _published(ref_id)
        if row is None or row["kind"] != MAIRIE:
            return None
        if supported(locale) == "en":
            town_hall = f"{row['commune.name']} town hall"
            return Notice(
                title=f"{town_hall}: {row['title']}", body=row["body"], url=_url(ref_id), tag=f"gazette-{ref_id}",
                event=MAIRIE_KIND, ref_id=ref_id, community=row["commune.name"], ttl=24 * 3600,
                email_subject=f"[Vigie] {town_hall}: {row['title']}",
                email_text=_mail(f"The {town_hall} says, in your neighbourhood's Gazette:",
                                 f"{row['title']}\n\n{row['body']}\n\nShown until {moment_in_figures(row['expires_at'], 'en')}.",
                                 "You receive this message because you are a member of a neighbourhood of this commune "
                                 "on Vigie.", "en"),
            )
        mairie = f"Mairie {de(row['commune.name'], proper=True)}"
        return Notice(
            title=f"{mairie} : {row['title']}", body=row["body"], url=_url(ref_id), tag=f"gazette-{ref_id}",
            event=MAIRIE_KIND, ref_id=ref_id, community=row["commune.name"], ttl=24 * 3600,
            email_subject=f"[Vigie] {mairie} : {row['title']}",
            email_text=_mail(f"La {mairie} communique, dans la Gazette de votre quartier :",
                             f"{row['title']}\n\n{row['body']}\n\nAffiché jusqu'au {moment_in_figures(row['expires_at'])}.",
                             "Vous recevez ce message parce que vous êtes membre d'un quartier de cette commune sur Vigie."),
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
    leaves = "leaving on" if locale == "en" else "départ le"
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
        who = f"{request['user.first_name']} {request['user.last_name']}"
        post_id = request["post"]
        if locale == "en":
            body = f"{who} asks for a seat: {request['trip']}." + (f"\n“{request['message']}”" if request["message"] else "")
            return Notice(
                title="Carpool: a seat request", body=body, url=_url(post_id), tag=f"gazette-ride-{ref_id}",
                event=RIDE_ASK_KIND, ref_id=ref_id, email_subject="[Vigie] Carpool: a seat request",
                email_text=_mail("A neighbour asks for a seat in your carpool:",
                                 body + "\n\nAccept or decline the request in the Gazette.",
                                 "You receive this message because you offer this carpool on Vigie.", "en"),
            )
        body = f"{who} demande une place : {request['trip']}." + (f"\n« {request['message']} »" if request["message"] else "")
        return Notice(
            title="Covoiturage : une demande de place", body=body, url=_url(post_id), tag=f"gazette-ride-{ref_id}",
            event=RIDE_ASK_KIND, ref_id=ref_id, email_subject="[Vigie] Covoiturage : une demande de place",
            email_text=_mail("Une voisine ou un voisin demande une place dans votre covoiturage :",
                             body + "\n\nAcceptez ou refusez la demande dans la Gazette.",
                             "Vous recevez ce message parce que vous proposez ce covoiturage sur Vigie."),
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
        accepted = request["status"] == "accepted"
        if locale == "en":
            title = "Carpool: seat accepted" if accepted else "Carpool: request declined"
            body = (f"Your seat is booked: {request['trip']}." if accepted
                    else f"The driver could not take you: {request['trip']}.")
            return Notice(
                title=title, body=body, url=_url(request["post"]), tag=f"gazette-ride-{ref_id}",
                event=RIDE_ANSWER_KIND, ref_id=ref_id, email_subject=f"[Vigie] {title}",
                email_text=_mail("The answer to your carpool request:", body,
                                 "You receive this message because you asked for this seat on Vigie.", "en"),
            )
        title = "Covoiturage : place acceptée" if accepted else "Covoiturage : demande refusée"
        body = (f"Votre place est réservée : {request['trip']}." if accepted
                else f"Le conducteur n'a pas pu vous prendre : {request['trip']}.")
        return Notice(
            title=title, body=body, url=_url(request["post"]), tag=f"gazette-ride-{ref_id}", event=RIDE_ANSWER_KIND,
            ref_id=ref_id, email_subject=f"[Vigie] {title}",
            email_text=_mail("Réponse à votre demande de covoiturage :", body,
                             "Vous recevez ce message parce que vous avez demandé cette place sur Vigie."),
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
            title=(f"New comment: {post['title']}" if supported(locale) == "en" else f"Nouveau commentaire : {post['title']}"),
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
        trip = f"{row['from_place']} → {row['to_place']}"
        until_departure = int((row["departs_at"] - clock.now()).total_seconds())
        if supported(locale) == "en":
            body = (f"The carpool {trip} on {moment_in_figures(row['departs_at'], 'en')} was cancelled by its driver. "
                    "Your seat or your request no longer stands.")
            return Notice(
                title="Carpool cancelled", body=body, url="/#/gazette", tag=f"gazette-ride-cancelled-{ref_id}",
                event=RIDE_CANCEL_KIND, ref_id=ref_id, ttl=max(60, min(24 * 3600, until_departure)), urgency="high",
                email_subject="[Vigie] Carpool cancelled",
                email_text=_mail("A carpool of the Gazette is cancelled:", f"“{row['title']}”\n\n{body}",
                                 "You receive this message because you had asked for a seat in this carpool on Vigie.",
                                 "en"),
            )
        body = (f"Le covoiturage {trip} du {moment_in_figures(row['departs_at'])} a été annulé par son conducteur. "
                "Votre place ou votre demande n'a plus cours.")
        return Notice(
            title="Covoiturage annulé", body=body, url="/#/gazette", tag=f"gazette-ride-cancelled-{ref_id}",
            event=RIDE_CANCEL_KIND, ref_id=ref_id, ttl=max(60, min(24 * 3600, until_departure)), urgency="high",
            email_subject="[Vigie] Covoiturage annulé",
            email_text=_mail("Un covoiturage de la Gazette est annulé :", f"« {row['title']} »\n\n{body}",
                             "Vous recevez ce message parce que vous aviez demandé une place dans ce covoiturage "
                             "sur Vigie."),
        )
