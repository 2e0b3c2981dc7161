// Runtime caching: which request is answered how (Workbox recipes, written small).
import { STATIC_CACHE, isShellPath, matchShell } from "./precache.js";

export const API_CACHE = "vigie-api";
const API_PREFIX = "/api/v1/";
// Personal or live answers that must never be stored: sessions, dev pages, health, SSE.
const NEVER_CACHED = ["/api/v1/auth/", "/api/v1/dev/", "/api/v1/health", "/api/v1/live"];
const API_TIMEOUT_MS = 4000;
const STATIC_FILE = /\.(?:js|mjs|css|json|webmanifest|png|jpg|jpeg|svg|webp|ico|woff2?)$/;
/** Header added to cached API answers, so the page can say "hors ligne — données du …". */
export const CACHED_AT_HEADER = "x-vigie-cached-at";

function neverCached(pathname) {
  return NEVER_CACHED.some((prefix) => pathname === prefix.replace(/\/$/, "") || pathname.startsWith(prefix));
}

// The API marks its answers "no-store" to keep them out of the browser's HTTP cache and any
// proxy; this cache is the app's own offline copy, wiped at logout, so it stores them anyway.
function storable(response) {
  return response.ok && response.type === "basic";
}

async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set(CACHED_AT_HEADER, new Date().toISOString());
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

function offlineAnswer() {
  const body = { status_code: 503, detail: "Vous êtes hors ligne et ces données ne sont pas enregistrées sur l'appareil.", code: "offline" };
  return new Response(JSON.stringify(body), { status: 503, headers: { "content-type": "application/json" } });
}

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

/**
 * Fetch from the network; a good answer is also stored in `cache` in the background (the
 * copy is taken before the page reads the body, and the page does not wait for the write).
 */
function fetchAndStore(event, request, cache, prepare = (response) => response) {
  const network = fetch(request);
  const store = network.then(async (response) => {
    if (storable(response)) await cache.put(request, await prepare(response.clone()));
  });
  event.waitUntil(store.catch(() => undefined));
  return network;
}

/** API GET: the network, unless it fails or is slower than the timeout and a copy exists. */
async function networkFirst(event, request) {
  const cache = await caches.open(API_CACHE);
  const network = fetchAndStore(event, request, cache, stamped);
  try {
    return await Promise.race([network, timeout(API_TIMEOUT_MS)]);
  } catch {
    const cached = await cache.match(request);
    if (cached) return cached;
    return network.catch(offlineAnswer);
  }
}

/** Shell files: from the versioned precache; they change only with a new VERSION. */
async function cacheFirst(request, pathname) {
  return (await matchShell(pathname)) || fetch(request);
}

/** Other static files: the cached copy at once, refreshed in the background. */
async function staleWhileRevalidate(event, request) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(request);
  const network = fetchAndStore(event, request, cache);
  if (!cached) return network;
  network.catch(() => undefined); // offline: the cached copy is the answer
  return cached;
}

/** Pages: the app shell for "/" (offline too); any other page from the network, else offline.html. */
async function navigation(request, pathname) {
  if (pathname === "/" || pathname === "/index.html") {
    const shell = await matchShell(pathname);
    if (shell) return shell;
  }
  try {
    return await fetch(request);
  } catch {
    return (await matchShell("/offline.html")) || new Response("Hors ligne", { status: 503, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
}

/** fetch listener: pick the strategy; requests left alone go to the network untouched. */
export function handleFetch(event) {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request, url.pathname));
  } else if (url.pathname.startsWith(API_PREFIX)) {
    if (!neverCached(url.pathname)) event.respondWith(networkFirst(event, request));
  } else if (isShellPath(url.pathname)) {
    event.respondWith(cacheFirst(request, url.pathname));
  } else if (STATIC_FILE.test(url.pathname) && !url.pathname.startsWith("/sw/")) {
    event.respondWith(staleWhileRevalidate(event, request));
  }
}

/** Delete every cached API answer (logout, or a new login on this device). */
export function purgeApiCache() {
  return caches.delete(API_CACHE);
}
