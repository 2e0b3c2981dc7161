// Vigie service worker (served at /sw.js, scope /, registered as a module).
// Only the listeners are wired here; the logic lives in /sw/*.js.
import { deleteOldCaches, precacheShell } from "/sw/precache.js";
import { handleFetch } from "/sw/strategies.js";
import { handleMessage } from "/sw/messages.js";

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
