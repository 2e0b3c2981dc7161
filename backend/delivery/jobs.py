"""Delivery jobs (SAQ). Transactional mail for now; alert fan-out comes with the alerts domain."""

from __future__ import annotations

from typing import Any

from backend.delivery.email import OutgoingMail, send_email


async def send_transactional_email(ctx: dict[str, Any], *, to: str, subject: str, text: str, html: str = "") -> int:
    """One account mail (password reset…); retried by SAQ on SMTP errors."""
    await send_email(ctx["settings"], [OutgoingMail(to=to, subject=subject, text=text, html=html)])
    return 1


FUNCTIONS = {"email": [send_transactional_email]}
