// The outbox: a queue of API requests written while offline (alerts today, messages later),
// kept in IndexedDB and replayed with the same Idempotency-Key until the server has them.
// Workbox's background-sync Queue, written small. Used by the worker (on `sync`) and by the
// pages (at start, on `online`, on a timer, "Réessayer"); a Web Lock makes every replay, from
// any page or the worker, run one at a time, so no item is ever sent twice at once.
import { OUTBOX, deleteOne, getAll, putOne } from "./db.js";
import { apiFetch, errorBody } from "./http.js";

/** Background Sync tag the pages register and the worker answers. */
export const OUTBOX_SYNC_TAG = "vigie-outbox";
/** BroadcastChannel on which every change of the outbox is announced ({type, …}). */
export const OUTBOX_CHANNEL = "vigie-outbox";
const LOCK_NAME = "vigie-outbox";

let localChain = Promise.resolve();

/** Run fn alone: a Web Lock across pages and the worker, else a chain within this context. */
function exclusively(fn) {
  if (self.navigator && self.navigator.locks) return self.navigator.locks.request(LOCK_NAME, fn);
  const run = localChain.then(fn, fn);
  localChain = run.catch(() => undefined);
  return run;
}

function announce(message) {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(OUTBOX_CHANNEL);
  channel.postMessage(message);
  channel.close();
}

/**
 * Transient failures are retried later; any other 4xx is the server refusing this request for
 * good. A lost session (401) or CSRF token (403 csrf_failed) waits for the next page load.
 */
export function isTransient(status, code = "") {
  return status === 0 || status >= 500 || status === 408 || status === 429 || status === 401
    || (status === 403 && code === "csrf_failed");
}

/**
 * Add a request to the outbox. `id` is its idempotency key (sent as Idempotency-Key when
 * `idempotent`); `quiet` items are dropped instead of kept when the server refuses them;
 * `info` is whatever the screens need to show the item (e.g. the community).
 */
export async function enqueueRequest({ id, kind, url, method = "POST", body, userId = null, idempotent = true, quiet = false, info = {} }) {
  const item = {
    id,
    kind,
    url,
    method,
    headers: idempotent ? { "Idempotency-Key": id } : {},
    body,
    userId,
    info,
    quiet,
    createdAt: new Date().toISOString(),
    state: "pending",
    attempts: 0,
    lastAttemptAt: null,
    error: null,
  };
  await putOne(OUTBOX, item);
  announce({ type: "changed" });
  return item;
}

/** Every item of a kind ("alert"), oldest first; [] when the database cannot be read. */
export async function listOutbox(kind) {
  try {
    const items = await getAll(OUTBOX);
    return items.filter((item) => !kind || item.kind === kind).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  } catch {
    return [];
  }
}

/** Remove one item (the user gave up on a refused request). */
export async function removeFromOutbox(id) {
  await deleteOne(OUTBOX, id);
  announce({ type: "changed" });
}

/** Send one item; returns "sent", "failed" (refused for good) or "waiting" (try again later). */
async function sendItem(item) {
  const attempt = { attempts: item.attempts + 1, lastAttemptAt: new Date().toISOString() };
  let response;
  try {
    response = await apiFetch(item.url, { method: item.method, headers: item.headers, body: item.body });
  } catch {
    await putOne(OUTBOX, { ...item, ...attempt });
    return { outcome: "waiting", offline: true };
  }
  if (response.ok) {
    // 201 created, or 200: the server already had it (an earlier try whose answer was lost).
    await deleteOne(OUTBOX, item.id);
    return { outcome: "sent", data: await response.json().catch(() => null) };
  }
  const { detail = "", code = "" } = await errorBody(response);
  const error = { status: response.status, detail, code };
  if (isTransient(response.status, code)) {
    await putOne(OUTBOX, { ...item, ...attempt, error });
    return { outcome: "waiting", offline: response.status === 401 || response.status === 403 };
  }
  if (item.quiet) await deleteOne(OUTBOX, item.id);
  else await putOne(OUTBOX, { ...item, ...attempt, state: "failed", error });
  return { outcome: "failed" };
}

/**
 * Send every pending item, oldest first, one at a time. Stops at the first network failure
 * (the others would fail too). Returns {sent, failed, waiting} counts.
 */
export function replayOutbox() {
  return exclusively(async () => {
    const counts = { sent: 0, failed: 0, waiting: 0 };
    const pending = (await listOutbox()).filter((item) => item.state === "pending");
    for (const [index, item] of pending.entries()) {
      const result = await sendItem(item);
      counts[result.outcome] += 1;
      if (result.outcome === "sent") announce({ type: "sent", kind: item.kind, id: item.id, data: result.data });
      if (result.offline) {
        counts.waiting += pending.length - index - 1;
        break;
      }
    }
    if (pending.length) announce({ type: "changed" });
    return counts;
  });
}
