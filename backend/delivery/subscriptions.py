"""Push subscriptions: a browser's endpoint and keys, one per device, on allow-listed push services only."""

from __future__ import annotations

from backend.delivery.channels.endpoints import is_allowed_endpoint
from backend.delivery.schemas import SubscriptionIn, SubscriptionOut
from backend.delivery.tables import PushSubscription
from backend.lib.errors import DomainError, NotFound
from backend.settings import Settings


async def subscribe(settings: Settings, user_id: int, data: SubscriptionIn) -> int:
    """Store (or move to this user) a browser subscription; the endpoint must be an allowed push service."""
    if not is_allowed_endpoint(settings, data.endpoint):
        raise DomainError("Ce service de notification n'est pas autorisé.", "push_endpoint_not_allowed")
    if not (20 <= len(data.keys.p256dh) <= 200 and 10 <= len(data.keys.auth) <= 100):
        raise DomainError("Clés d'abonnement invalides.", "invalid_push_keys")
    label = data.device_label.strip()[:100]
    existing = await PushSubscription.select(PushSubscription.id).where(
        PushSubscription.endpoint == data.endpoint).first()
    if existing:
        await PushSubscription.update({PushSubscription.user: user_id, PushSubscription.p256dh: data.keys.p256dh,
                                       PushSubscription.auth: data.keys.auth, PushSubscription.device_label: label}
                                      ).where(PushSubscription.id == existing["id"])
        return existing["id"]
    rows = await PushSubscription.insert(PushSubscription(
        user=user_id, endpoint=data.endpoint, p256dh=data.keys.p256dh, auth=data.keys.auth, device_label=label,
    )).returning(PushSubscription.id)
    return rows[0]["id"]


async def list_subscriptions(user_id: int) -> list[SubscriptionOut]:
    """The member's subscribed devices, each flagged `silent` when its pushes stopped arriving."""
    rows = await PushSubscription.select(PushSubscription.id, PushSubscription.device_label,
                                         PushSubscription.created_at, PushSubscription.silent_since,
                                         PushSubscription.missed).where(PushSubscription.user == user_id)
    return [SubscriptionOut(id=r["id"], device_label=r["device_label"], created_at=r["created_at"].isoformat(),
                            silent=r["silent_since"] is not None, missed=r["missed"] or 0) for r in rows]


async def own_subscription(user_id: int, subscription_id: int) -> dict:
    """The subscription `subscription_id` if it is the member's, else NotFound."""
    row = await PushSubscription.select().where(
        (PushSubscription.id == subscription_id) & (PushSubscription.user == user_id)).first()
    if row is None:
        raise NotFound("Cet appareil n'est pas enregistré sur votre compte.", "subscription_not_found")
    return row


async def unsubscribe(user_id: int, subscription_id: int) -> None:
    """Forget one of the member's devices."""
    await own_subscription(user_id, subscription_id)
    await PushSubscription.delete().where(PushSubscription.id == subscription_id)


async def forget_devices(user_id: int) -> int:
    """Forget every device of the person (their account is being deleted): nothing is pushed to them again."""
    gone = await PushSubscription.delete().where(PushSubscription.user == user_id).returning(PushSubscription.id)
    return len(gone)
