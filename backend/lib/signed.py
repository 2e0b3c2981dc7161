"""Signed, expiring links (itsdangerous: HMAC-SHA1 over the payload and a timestamp, keyed by the
instance's `secret_key` and a purpose): who holds the link may do one thing, without an account.

A link of one purpose never opens another (the purpose is the salt); a changed character or an
expired link is refused with a French message that changes nothing."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from backend.lib.errors import DomainError


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    if not secret_key:
        raise RuntimeError("secret_key is empty: signed links need it (backend.app.ensure_secret_key)")
    return URLSafeTimedSerializer(secret_key, salt=f"vigie.{purpose}")


def sign(secret_key: str, purpose: str, payload: Any) -> str:
    """A URL-safe token carrying `payload` (JSON-able), signed for `purpose`."""
    return _serializer(secret_key, purpose).dumps(payload)


def unsign(secret_key: str, purpose: str, token: str, max_age_seconds: int) -> Any:
    """The payload of a token signed for `purpose` less than `max_age_seconds` ago; else a 400
    (`invalid_signed_link`: altered, or of another purpose) or a 410 (`expired_link`)."""
    try:
        return _serializer(secret_key, purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise DomainError("Ce lien a expiré.", "expired_link", 410) from None
    except BadSignature:
        raise DomainError("Ce lien n'est pas valide : vérifiez qu'il a été copié en entier.", "invalid_signed_link") from None
