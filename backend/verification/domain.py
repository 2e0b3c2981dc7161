"""The verification domain (activation letters) as the wiring sees it (backend/domains.py)."""

from backend.lib.domain import Domain
from backend.verification.routes import (
    LetterController, MembershipRequestController, SignupController, VerificationController,
)
from backend.verification.privacy import PERSONAL_DATA

DOMAIN = Domain(name="verification",
                routes=[VerificationController, LetterController, SignupController, MembershipRequestController],
                personal_data=PERSONAL_DATA)
