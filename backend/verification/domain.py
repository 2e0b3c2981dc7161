"""The verification domain (activation letters) as the wiring sees it (backend/domains.py)."""

from backend.lib.domain import Domain
from backend.verification.routes import (
    LetterController, MembershipRequestController, SignupController, VerificationController,
)

DOMAIN = Domain(name="verification",
                routes=[VerificationController, LetterController, SignupController, MembershipRequestController])
