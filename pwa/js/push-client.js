// Page side of Web Push: ask permission (only after the user's tap), subscribe this device
// with the server's VAPID key, and register it with the API (the same code as the worker's
// re-subscription, /sw/push.js).
import { applicationServerKey, registerSubscription } from "/sw/push.js";
import { errorBody } from "/sw/http.js";
import { getMeta } from "/sw/db.js";
import { ApiError, api } from "./api.js";
import { t } from "./i18n.js";
import { shareCsrfToken } from "./outbox.js";

// PushManager.subscribe can hang for ever (no push service reachable): give up after this.
const SUBSCRIBE_TIMEOUT_MS = 20000;
const WORKER_TIMEOUT_MS = 10000;

/** A failure before the server was asked: code is "unsupported", "denied", "noWorker" or "timeout". */
export class PushSetupError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** "unsupported", or the notification permission: "default", "granted", "denied". */
export function pushState() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return "unsupported";
  return Notification.permission;
}

/** "Téléphone Android — Chrome": how this device is named in the list of devices. */
export function deviceLabel() {
  const ua = navigator.userAgent;
  const data = navigator.userAgentData;
  const guess = [["Android", /Android/], ["iPhone", /iPhone/], ["iPad", /iPad/], ["Windows", /Windows/], ["Mac", /Mac OS/], ["Linux", /Linux/]]
    .find(([, pattern]) => pattern.test(ua));
  const platform = (data && data.platform) || (guess ? guess[0] : "");
  const browsers = [["Edge", /Edg\//], ["Firefox", /Firefox\//], ["Samsung Internet", /SamsungBrowser/], ["Chrome", /Chrome\//], ["Safari", /Safari\//]];
  const browser = (browsers.find(([, pattern]) => pattern.test(ua)) || [""])[0];
  const mobile = data ? data.mobile : /Mobi|iPhone|Android/.test(ua);
  const kind = t(mobile ? "push.phone" : "push.computer");
  return [platform ? `${kind} ${platform}` : kind, browser].filter(Boolean).join(" — ");
}

function timeout(promise, ms, code) {
  return Promise.race([promise, new Promise((resolve, reject) => setTimeout(() => reject(new PushSetupError(code)), ms))]);
}

function sameKey(a, b) {
  if (!a || !b) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((value, i) => value === y[i]);
}

async function browserSubscription() {
  const registration = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistration() : null;
  return registration && registration.pushManager ? registration.pushManager.getSubscription() : null;
}

/** {subscription, id} when this device is subscribed and registered by this account, else null. */
export async function thisDeviceSubscription() {
  if (pushState() !== "granted") return null;
  const [subscription, id] = await Promise.all([browserSubscription(), getMeta("pushSubscriptionId")]);
  return subscription && id ? { subscription, id } : null;
}

/**
 * "Activer les notifications sur cet appareil": permission, subscription, POST /push/subscriptions.
 * Throws PushSetupError, or ApiError when the server refuses the subscription.
 */
export async function enablePush() {
  if (pushState() === "unsupported") throw new PushSetupError("unsupported");
  if ((await Notification.requestPermission()) !== "granted") throw new PushSetupError("denied");
  const registration = await timeout(navigator.serviceWorker.ready, WORKER_TIMEOUT_MS, "noWorker");
  const key = await applicationServerKey();
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    subscription = await timeout(registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }), SUBSCRIBE_TIMEOUT_MS, "timeout");
  }
  await shareCsrfToken();
  const response = await registerSubscription(subscription, deviceLabel());
  if (!response.ok) {
    const { detail, code } = await errorBody(response);
    throw new ApiError(response.status, detail, code);
  }
  return subscription;
}

/** This device's subscription was deleted from the list: stop it in the browser as well. */
export async function forgetThisDevice() {
  const subscription = await browserSubscription().catch(() => null);
  if (subscription) await subscription.unsubscribe().catch(() => undefined);
}

/**
 * Logout: this device stops receiving the account's notifications (a shared phone must not
 * show the previous person's alerts). Deleted on the server when possible; the browser's
 * unsubscription makes the push service refuse later sends anyway (410: the server prunes it).
 */
export async function stopPushOnThisDevice() {
  if (pushState() === "unsupported") return;
  const id = await getMeta("pushSubscriptionId");
  if (id) await api(`/push/subscriptions/${id}`, { method: "DELETE" }).catch(() => undefined);
  await forgetThisDevice();
}
