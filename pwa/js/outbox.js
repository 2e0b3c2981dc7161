// Page side of the outbox (the queue itself is /sw/outbox.js, shared with the worker): send a
// request now or keep it for later, and replay what waits at start-up, on `online`, on a timer
// and by Background Sync. The worker has no cookies: the CSRF token is handed over here.
import { getMeta, setMeta, wipeDatabase } from "/sw/db.js";
import {
  OUTBOX_CHANNEL,
  OUTBOX_SYNC_TAG,
  enqueueRequest,
  isTransient,
  listOutbox,
  removeFromOutbox,
  replayOutbox,
} from "/sw/outbox.js";
import { ApiError, api, csrfToken, health } from "./api.js";

const RETRY_EVERY_MS = 30000;
let timer = null;
let listening = false;

export { listOutbox, removeFromOutbox };

/**
 * Keep the CSRF token where the worker reads it (receipts, replays, re-subscription). The
 * cookie may be missing (a browser restarted offline drops it): GET /health sets a new one.
 */
export async function shareCsrfToken() {
  if (!csrfToken()) await health().catch(() => undefined);
  const token = csrfToken();
  if (token) await setMeta("csrf", token).catch(() => undefined);
}

/** Ask the worker for a Background Sync replay, where the browser has it. */
async function registerSync() {
  try {
    const registration = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistration() : null;
    if (registration && registration.sync) await registration.sync.register(OUTBOX_SYNC_TAG);
  } catch {
    // no Background Sync: start-up, `online` and the timer replay instead
  }
}

/** Send what waits in the outbox now, from this page (one replay at a time, see /sw/outbox.js). */
export async function replayNow() {
  await shareCsrfToken();
  try {
    return await replayOutbox();
  } catch (err) {
    console.warn("outbox replay failed", err);
    return null;
  }
}

async function replayIfWaiting() {
  if ((await listOutbox()).some((item) => item.state === "pending")) await replayNow();
}

/**
 * POST `body` to `path` with the Idempotency-Key `key`; offline, or when the server cannot take
 * it now (network error, 5xx, 408, 429), keep it in the outbox instead.
 * Returns {data} (sent) or {queued: item}; a refusal (other 4xx) throws the ApiError.
 */
export async function sendOrQueue({ path, body, key, kind, userId, info = {} }) {
  const queue = async () => {
    await shareCsrfToken();
    const item = await enqueueRequest({ id: key, kind, url: `/api/v1${path}`, body, userId, info });
    registerSync();
    return { queued: item };
  };
  if (navigator.onLine === false) return queue();
  try {
    return { data: await api(path, { method: "POST", body, headers: { "Idempotency-Key": key } }) };
  } catch (err) {
    if (err instanceof ApiError && isTransient(err.status, err.code)) return queue();
    throw err;
  }
}

/** Call fn(message) on every change of the outbox, from any page or the worker; returns a stop function. */
export function onOutboxChange(fn) {
  if (typeof BroadcastChannel === "undefined") return () => undefined;
  const channel = new BroadcastChannel(OUTBOX_CHANNEL);
  channel.onmessage = (event) => fn(event.data || {});
  return () => channel.close();
}

/** What the device keeps belongs to one person: someone else logging in starts afresh. */
async function claimDeviceData(userId) {
  const owner = await getMeta("userId");
  if (owner !== undefined && owner !== userId) await wipeDatabase();
  await setMeta("userId", userId);
}

/** For a logged-in user: replay what waits now, on `online` and every 30 s while visible. */
export async function startOutbox(me) {
  await claimDeviceData(me.id).catch(() => undefined);
  await shareCsrfToken();
  if (!listening) {
    listening = true;
    window.addEventListener("online", () => {
      if (timer) replayNow();
    });
  }
  if (!timer) {
    timer = setInterval(() => {
      if (document.visibilityState === "visible") replayIfWaiting();
    }, RETRY_EVERY_MS);
  }
  await replayIfWaiting();
}

/** Logout: no more replays from this page. */
export function stopOutbox() {
  clearInterval(timer);
  timer = null;
}
