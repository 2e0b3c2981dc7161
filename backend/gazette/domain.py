"""The Gazette domain as the wiring sees it (backend/domains.py)."""

from backend.gazette import access, carpools, comments, notify
from backend.gazette.jobs import purge_ride_cancellations
from backend.gazette.routes import ROUTES
from backend.lib.domain import Domain
from backend.gazette.privacy import PERSONAL_DATA, RETENTION

DOMAIN = Domain(
    name="gazette",
    routes=ROUTES,
    periodic=[(3600.0, purge_ride_cancellations)],
    notification_kinds={
        access.MAIRIE_KIND: notify.MairieCommunicationNotice(),
        carpools.RIDE_ASK_KIND: notify.RideAskNotice(),
        carpools.RIDE_ANSWER_KIND: notify.RideAnswerNotice(),
        comments.COMMENT_KIND: notify.CommentNotice(),
        carpools.RIDE_CANCEL_KIND: notify.RideCancelledNotice(),
    },
    piccolo_app="backend.gazette.piccolo_app",
    personal_data=PERSONAL_DATA, retention=RETENTION,
)
