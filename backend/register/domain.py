"""The register of vulnerable people and its episodes (heatwave mode) as the wiring sees it."""

from backend.lib.domain import Domain
from backend.register.episodes import ALL_CLEAR_KIND, CONTACT_KIND, NO_ANSWER_KIND, QUESTION_KIND
from backend.register.jobs import drive_episodes
from backend.register.notify import AllClearNotice, ConfirmNotice, ContactNotice, NoAnswerNotice, QuestionNotice
from backend.register.privacy import PERSONAL_DATA
from backend.register.routes import ROUTES
from backend.register.service import CONFIRM_KIND
from backend.register.sms_commands import SMS_COMMANDS

DOMAIN = Domain(
    name="register",
    routes=ROUTES,
    sms_commands=SMS_COMMANDS,
    periodic=[(30.0, drive_episodes)],
    notification_kinds={CONFIRM_KIND: ConfirmNotice(), QUESTION_KIND: QuestionNotice(),
                        NO_ANSWER_KIND: NoAnswerNotice(), CONTACT_KIND: ContactNotice(),
                        ALL_CLEAR_KIND: AllClearNotice()},
    personal_data=PERSONAL_DATA,
    piccolo_app="backend.register.piccolo_app",
)
