"""Domain errors: raised by services, turned into 4xx JSON with a French message."""

from __future__ import annotations


class DomainError(Exception):
    """An error the user caused; `detail` is shown to them (French)."""

    status_code = 400

    def __init__(self, detail: str, code: str = "invalid", status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        if status_code is not None:
            self.status_code = status_code


class NotFound(DomainError):
    status_code = 404

    def __init__(self, detail: str = "Introuvable.", code: str = "not_found") -> None:
        super().__init__(detail, code)


class Forbidden(DomainError):
    status_code = 403

    def __init__(self, detail: str = "Vous n'avez pas accès à cette page.", code: str = "forbidden") -> None:
        super().__init__(detail, code)


class Unauthorized(DomainError):
    status_code = 401

    def __init__(self, detail: str = "Veuillez vous connecter.", code: str = "not_authenticated") -> None:
        super().__init__(detail, code)


class Conflict(DomainError):
    status_code = 409


class TooManyRequests(DomainError):
    status_code = 429

    def __init__(self, detail: str, code: str = "rate_limited", retry_after: int = 60) -> None:
        super().__init__(detail, code)
        self.retry_after = retry_after
