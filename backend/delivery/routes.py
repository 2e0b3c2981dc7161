"""Push subscriptions, preferences, receipts, e-mail unsubscribe, inbound SMS webhook."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.auth.guards import authenticated, public
from backend.auth.principal import principal_of
from backend.delivery import service
from backend.delivery.schemas import Preferences, PublicKey, ReceiptIn, SubscriptionIn, SubscriptionOut
from backend.delivery.channels.vapid import public_key_b64
from backend.lib import ratelimit
from backend.lib.templates import render
from backend.lib.deps import queues_of, settings_of, valkey_of


class PushController(Controller):
    path = "/api/v1/push"
    tags = ["push"]

    @get("/public-key", guards=[public])
    async def public_key(self, request: Request) -> PublicKey:
        return PublicKey(public_key=public_key_b64(settings_of(request)))

    @get("/subscriptions", guards=[authenticated])
    async def list_subscriptions(self, request: Request) -> list[SubscriptionOut]:
        return await service.list_subscriptions(principal_of(request).user_id)

    @post("/subscriptions", guards=[authenticated], status_code=HTTP_201_CREATED)
    async def subscribe(self, request: Request, data: SubscriptionIn) -> dict:
        sub_id = await service.subscribe(settings_of(request), principal_of(request).user_id, data)
        return {"id": sub_id}

    @delete("/subscriptions/{subscription_id:int}", guards=[authenticated], status_code=HTTP_204_NO_CONTENT)
    async def unsubscribe(self, request: Request, subscription_id: int) -> None:
        await service.unsubscribe(principal_of(request).user_id, subscription_id)

    @post("/subscriptions/{subscription_id:int}/test", guards=[authenticated], status_code=HTTP_202_ACCEPTED)
    async def test_push(self, request: Request, subscription_id: int) -> dict:
        user_id = principal_of(request).user_id
        await service.own_subscription(user_id, subscription_id)
        await ratelimit.enforce(valkey_of(request), f"testpush:{user_id}", 10, 3600,
                                "Trop de notifications de test. Réessayez plus tard.")
        await queues_of(request).enqueue("push", "send_test_push", subscription_id=subscription_id, retries=1)
        return {"detail": "Notification de test envoyée."}


class PreferencesController(Controller):
    path = "/api/v1/me/preferences"
    tags = ["delivery"]

    @get("/", guards=[authenticated])
    async def get_preferences(self, request: Request) -> Preferences:
        return await service.get_preferences(principal_of(request).user_id)

    @put("/", guards=[authenticated])
    async def set_preferences(self, request: Request, data: Preferences) -> Preferences:
        return await service.set_preferences(principal_of(request).user_id, data)


@post("/api/v1/deliveries/{delivery_id:int}/receipt", guards=[authenticated], status_code=HTTP_204_NO_CONTENT,
      tags=["delivery"])
async def delivery_receipt(request: Request, delivery_id: int, data: ReceiptIn) -> None:
    await service.receipt(principal_of(request).user_id, delivery_id, data.event, data.device)


@get("/api/v1/email/unsubscribe", guards=[public], tags=["delivery"], media_type="text/html")
async def email_unsubscribe(token: str = "", what: str = "alerts") -> Response[str]:
    ok = await service.unsubscribe_email(token, what)
    page = render("pages/email_unsubscribed.html", ok=ok, what=what)
    return Response(page, media_type="text/html", status_code=200 if ok else 404)


ROUTES = [PushController, PreferencesController, delivery_receipt, email_unsubscribe]
