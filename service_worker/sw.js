// Vigie service worker (served at /sw.js, scope /, registered as a module).
// Only the listeners are wired here; the logic lives in /sw/*.js.
import { deleteOldCaches, precacheShell } from "/sw/precache.js";
import { handleFetch } from "/sw/strategies.js";
import { handleMessage } from "/sw/messages.js";
import { OUTBOX_SYNC_TAG, replayOutbox } from "/sw/outbox.js";
import { openNotification, renewSubscription, showPush } from "/sw/push.js";

/** waitUntil, tolerating events made by script (tests: a notification cannot be tapped headless). */
function keepAlive(event, work) {
  try {
    event.waitUntil(work);
  } catch {
    work.catch((err) => console.warn(err));
  }
}

self.addEventListener("install", (event) => {
  // No skipWaiting here: an update waits until the user taps "Recharger".
  event.waitUntil(precacheShell());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(deleteOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("fetch", handleFetch);

self.addEventListener("message", (event) => {
  event.waitUntil(handleMessage(event));
});

self.addEventListener("sync", (event) => {
  if (event.tag !== OUTBOX_SYNC_TAG) return;
  // Rejecting makes the browser try this sync again later, while requests still wait.
  event.waitUntil(replayOutbox().then(({ waiting }) => {
    if (waiting) throw new Error(`${waiting} request(s) still waiting for the network`);
  }));
});

self.addEventListener("push", (event) => {
  keepAlive(event, showPush(event));
});

self.addEventListener("notificationclick", (event) => {
  keepAlive(event, openNotification(event.notification));
});

self.addEventListener("pushsubscriptionchange", (event) => {
  keepAlive(event, renewSubscription(event));
});
