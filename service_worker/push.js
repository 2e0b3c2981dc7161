// Push: show each delivery once as a notification (a repeat of a delivery id is only
// acknowledged), say "received"/"opened" to the server, open the alert on a tap, and
// re-subscribe when the browser renews the subscription.
import { firstShowing, getMeta, setMeta } from "./db.js";
import { apiFetch } from "./http.js";
import { enqueueRequest } from "./outbox.js";

const GENERIC = { title: "Vigie — nouvelle notification", body: "Ouvrez Vigie pour la lire.", url: "/#/alertes" };
const ICON = "/icons/icon-192.png";
const BADGE = "/icons/badge-96.png";

/** The message's JSON, or the generic notice when it is missing or unreadable. */
export function readPayload(data) {
  let payload = null;
  try {
    payload = data ? data.json() : null;
  } catch {
    payload = null;
  }
  if (!payload || typeof payload !== "object" || !payload.title) return { ...GENERIC };
  return payload;
}

/** Only same-origin addresses are opened from a notification. */
function safeUrl(url) {
  try {
    const target = new URL(url || GENERIC.url, self.location.origin);
    return target.origin === self.location.origin ? target.href : new URL(GENERIC.url, self.location.origin).href;
  } catch {
    return new URL(GENERIC.url, self.location.origin).href;
  }
}

/**
 * The app icon's badge counts the alerts not seen yet (META "unseen"; the alert screens reset
 * it). Not from getNotifications(): called right after showNotification, Chromium may sync it
 * with the notifications it has displayed so far and drop the one just shown.
 */
async function countOnAppBadge() {
  const nav = self.navigator;
  if (!nav || !nav.setAppBadge) return;
  try {
    const unseen = ((await getMeta("unseen")) || 0) + 1;
    await setMeta("unseen", unseen);
    await nav.setAppBadge(unseen);
  } catch {
    // badges are a nicety: never let them stop a notification or its receipt
  }
}

/**
 * POST /deliveries/{id}/receipt, naming the device (push subscription) the push came to, so
 * the server knows this phone still hears. When the network fails the receipt waits in the
 * outbox (quiet: dropped if the server refuses it); it never delays or stops the notification.
 */
export async function sendReceipt(deliveryId, event, device) {
  if (!deliveryId) return;
  const url = `/api/v1/deliveries/${encodeURIComponent(deliveryId)}/receipt`;
  const body = Number.isInteger(device) ? { event, device } : { event };
  try {
    await apiFetch(url, { body });
  } catch {
    await enqueueRequest({ id: `receipt-${deliveryId}-${event}`, kind: "receipt", url, body, idempotent: false, quiet: true })
      .catch(() => undefined);
  }
}

/** Whether this delivery was shown here already (a resend after a server worker died). */
async function alreadyShown(deliveryId) {
  if (!deliveryId) return false;
  try {
    return !(await firstShowing(deliveryId));
  } catch {
    return false; // no IndexedDB: better twice than never
  }
}

/**
 * push: show a notification (browsers punish silent pushes), then the receipt. A delivery
 * already shown on this device is not shown again: only its `received` receipt goes.
 */
export async function showPush(event) {
  const payload = readPayload(event.data);
  if (await alreadyShown(payload.delivery_id)) {
    await sendReceipt(payload.delivery_id, "received", payload.device);
    return;
  }
  const urgent = Boolean(payload.urgent);
  const tag = payload.tag || undefined;
  await self.registration.showNotification(payload.title, {
    body: payload.body || "",
    tag,
    renotify: Boolean(tag && urgent), // an update of an urgent alert rings again
    requireInteraction: urgent,
    icon: ICON,
    badge: BADGE,
    lang: "fr",
    data: { url: safeUrl(payload.url), delivery_id: payload.delivery_id || null, alert_id: payload.alert_id || null,
      device: Number.isInteger(payload.device) ? payload.device : null },
  });
  if (payload.alert_id) await countOnAppBadge();
  await sendReceipt(payload.delivery_id, "received", payload.device);
}

/** notificationclick: bring a Vigie window to the alert (or open one), then say "opened". */
export async function openNotification(notification) {
  notification.close();
  const data = notification.data || {};
  const url = data.url || safeUrl();
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const existing = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (existing) {
    existing.postMessage({ type: "NAVIGATE", url });
    try {
      await existing.focus();
    } catch {
      // focusing needs the user's tap; the window was still told where to go
    }
  } else {
    await self.clients.openWindow(url);
  }
  await sendReceipt(data.delivery_id, "opened", data.device);
}

function base64UrlToBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The server's VAPID key, as PushManager.subscribe wants it. */
export async function applicationServerKey() {
  const response = await fetch("/api/v1/push/public-key", { credentials: "same-origin" });
  if (!response.ok) throw new Error(`public key: HTTP ${response.status}`);
  return base64UrlToBytes((await response.json()).public_key);
}

/** Tell the server about a subscription of this device; remembers its id for the settings screen. */
export async function registerSubscription(subscription, deviceLabel) {
  const { endpoint, keys } = subscription.toJSON();
  const response = await apiFetch("/api/v1/push/subscriptions", { body: { endpoint, keys, device_label: deviceLabel } });
  if (!response.ok) return response;
  const { id } = await response.clone().json();
  await setMeta("pushSubscriptionId", id);
  await setMeta("deviceLabel", deviceLabel);
  return response;
}

/** pushsubscriptionchange: subscribe again with the same key and give the server the new one. */
export async function renewSubscription(event) {
  let subscription = event.newSubscription;
  if (!subscription) {
    const old = event.oldSubscription;
    const key = (old && old.options && old.options.applicationServerKey) || (await applicationServerKey());
    subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  await registerSubscription(subscription, (await getMeta("deviceLabel")) || "");
}
