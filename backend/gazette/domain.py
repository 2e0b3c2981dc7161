"""The Gazette domain as the wiring sees it (backend/domains.py)."""

from backend.gazette import access, notify, participation
from backend.gazette.jobs import purge_ride_cancellations
from backend.gazette.routes import ROUTES
from backend.lib.domain import Domain

DOMAIN = Domain(
    name="gazette",
    routes=ROUTES,
    periodic=[(3600.0, purge_ride_cancellations)],
    notification_kinds={
        access.MAIRIE_KIND: notify.MairieCommunicationNotice(),
        participation.RIDE_ASK_KIND: notify.RideAskNotice(),
        participation.RIDE_ANSWER_KIND: notify.RideAnswerNotice(),
        participation.COMMENT_KIND: notify.CommentNotice(),
        participation.RIDE_CANCEL_KIND: notify.RideCancelledNotice(),
    },
    piccolo_app="backend.gazette.piccolo_app",
)
