"""Account endpoints: login/logout, me, password change and reset (sign-up: backend/verification/routes.py)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import Cookie
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.auth import service, sessions
from backend.auth.guards import authenticated, public
from backend.auth.limits import LoginFailures
from backend.auth.principal import principal_loader, principal_of
from backend.auth.schemas import (
    LocaleIn,
    LoginIn,
    Me,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
)
from backend.lib import ratelimit
from backend.lib.errors import Unauthorized
from backend.lib.deps import client_ip, queues_of, settings_of, valkey_of


def _session_cookie(request: Request, token: str, max_age: int) -> Cookie:
    return Cookie(key=sessions.COOKIE_NAME, value=token, httponly=True, secure=settings_of(request).secure_cookies,
                  samesite="lax", max_age=max_age, path="/")


async def _login_response(request: Request, user_id: int) -> Response[Me]:
    settings = settings_of(request)
    token = await sessions.create_session(user_id, settings.session_ttl_seconds, request.headers.get("user-agent", ""))
    principal = await principal_loader(request.app)(user_id)
    assert principal is not None
    return Response(await service.me(principal), status_code=200,
                    cookies=[_session_cookie(request, token, settings.session_ttl_seconds)])


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", guards=[public], status_code=200)
    async def login(self, request: Request, data: LoginIn) -> Response[Me]:
        settings = settings_of(request)
        email = data.email.strip().lower()
        failures = LoginFailures(valkey_of(request), email, client_ip(request), settings)
        await failures.check()
        try:
            user_id = await service.authenticate(email, data.password)
        except Unauthorized:
            await failures.count()
            raise
        except service.AccountSuspended as suspended:
            # Wiring (backend/app.py): an account its owner asked to delete comes back when they
            # log in within the grace period (backend/privacy); a moderators' suspension stays.
            restore = request.app.state.get("restore_account")
            if restore is None or not await restore(request.app.state, suspended.user_id):
                raise
            user_id = suspended.user_id
        await failures.forget()
        return await _login_response(request, user_id)

    @post("/logout", guards=[authenticated], status_code=HTTP_204_NO_CONTENT)
    async def logout(self, request: Request) -> Response[None]:
        token = request.scope.get("state", {}).get("session_token")
        if token:
            await sessions.delete_session(valkey_of(request), token)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(sessions.COOKIE_NAME, path="/")
        return response

    @get("/me", guards=[authenticated])
    async def me(self, request: Request) -> Me:
        return await service.me(principal_of(request))

    @put("/locale", guards=[authenticated], status_code=HTTP_204_NO_CONTENT)
    async def set_locale(self, request: Request, data: LocaleIn) -> None:
        await service.set_locale(valkey_of(request), principal_of(request).user_id, data.locale)

    @post("/password", guards=[authenticated], status_code=HTTP_204_NO_CONTENT)
    async def change_password(self, request: Request, data: PasswordChangeIn) -> None:
        principal = principal_of(request)
        await ratelimit.enforce(valkey_of(request), f"pwchange:{principal.user_id}", 10, 900,
                                "Trop de tentatives. Patientez quelques minutes.")
        await service.change_password(valkey_of(request), principal.user_id, data.current_password,
                                      data.new_password, keep_token=request.scope["state"]["session_token"])

    @post("/password-reset", guards=[public], status_code=HTTP_202_ACCEPTED)
    async def password_reset(self, request: Request, data: PasswordResetIn) -> dict:
        await ratelimit.enforce(valkey_of(request), f"pwreset:ip:{client_ip(request)}", 10, 3600,
                                "Trop de demandes. Réessayez dans une heure.")
        await service.request_password_reset(settings_of(request), queues_of(request), valkey_of(request), data.email)
        return {"detail": "Si un compte existe pour cette adresse, un e-mail vient d'être envoyé."}

    @post("/password-reset/confirm", guards=[public], status_code=HTTP_204_NO_CONTENT)
    async def password_reset_confirm(self, request: Request, data: PasswordResetConfirmIn) -> None:
        await ratelimit.enforce(valkey_of(request), f"pwreset-confirm:ip:{client_ip(request)}", 20, 3600,
                                "Trop de tentatives. Réessayez dans une heure.")
        await service.finish_password_reset(valkey_of(request), data.token, data.new_password)
