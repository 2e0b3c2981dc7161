// The app shell: precached at install in a versioned cache, old versions deleted at activation.
import { VERSION } from "./version.js";

const SHELL_PREFIX = "vigie-shell-";
const STATIC_PREFIX = "vigie-static-";
export const SHELL_CACHE = `${SHELL_PREFIX}${VERSION}`;
/** Runtime cache of same-origin static files that are not part of the shell. */
export const STATIC_CACHE = `${STATIC_PREFIX}${VERSION}`;

export const SHELL_FILES = [
  "/index.html",
  "/offline.html",
  "/manifest.webmanifest",
  "/css/app.css",
  "/css/mairie.css",
  "/css/community.css",
  "/css/open.css",
  "/js/main.js",
  "/js/alerts.js",
  "/js/api.js",
  "/js/community-picker.js",
  "/js/dom.js",
  "/js/forms.js",
  "/js/i18n.js",
  "/js/french.js",
  "/js/live.js",
  "/js/offline-prep.js",
  "/js/outbox.js",
  "/js/push-client.js",
  "/js/reach.js",
  "/js/router.js",
  "/js/session.js",
  "/js/store.js",
  "/js/sw-client.js",
  "/js/time.js",
  "/js/ui.js",
  "/js/install.js",
  "/js/mairie.js",
  "/js/community.js",
  "/js/community-nav.js",
  "/js/screens/activation.js",
  "/js/screens/alert-detail.js",
  "/js/screens/alert-new.js",
  "/js/screens/alerts.js",
  "/js/screens/forgot.js",
  "/js/screens/home.js",
  "/js/screens/login.js",
  "/js/screens/moderation.js",
  "/js/screens/notfound.js",
  "/js/screens/reset.js",
  "/js/screens/settings.js",
  "/js/screens/settings-notifications.js",
  "/js/screens/signup.js",
  "/js/screens/soon.js",
  // The mairie for residents (home page, a broadcast, a safety check). The staff screens, their
  // helpers (mairie-staff.js, charts.js) and catalogue are fetched when used, as any static file.
  "/js/screens/mairie-broadcast.js",
  "/js/screens/mairie-check.js",
  "/js/screens/mairie-member.js",
  "/js/screens/gazette.js",
  "/js/screens/gazette-new.js",
  "/js/screens/gazette-post.js",
  "/js/screens/directory.js",
  "/js/screens/directory-member.js",
  "/js/screens/directory-profile.js",
  "/js/screens/messages.js",
  "/js/screens/messages-new.js",
  "/js/screens/messages-thread.js",
  "/js/screens/checkins.js",
  "/js/screens/checkins-new.js",
  "/js/screens/checkins-detail.js",
  "/js/screens/checkins-community.js",
  "/js/screens/checkins-link.js",
  // Worker modules the pages import too (the outbox, the push subscription): needed offline.
  // Never version.js: the page reads it from the network to find new versions.
  "/sw/db.js",
  "/sw/http.js",
  "/sw/outbox.js",
  "/sw/push.js",
  // French only: the app always loads it (it is also the fallback). An English reader's
  // catalogues are kept by the static runtime cache at their first load (~20 KB less to
  // download on every first visit, to stay under the 150 KB first-load budget).
  "/i18n/fr.json",
  "/i18n/fr.mairie.json",
  "/i18n/fr.community.json",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/icons/apple-touch-icon.png",
  "/icons/badge-96.png",
  "/icons/shortcut-alert-96.png",
  "/icons/shortcut-gazette-96.png",
];

const SHELL_PATHS = new Set(SHELL_FILES);

/** True for a path served from the shell cache ("/" is the shell's index.html). */
export function isShellPath(pathname) {
  return pathname === "/" || SHELL_PATHS.has(pathname);
}

/** A redirected response cannot answer a navigation: keep only its body and headers. */
async function withoutRedirect(response) {
  if (!response.redirected) return response;
  return new Response(await response.blob(), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * install: fetch every shell file; any failure fails the install. "no-cache" asks the server
 * whether the browser's copy is still current: the files the page has just loaded come back as
 * a 304 of a few hundred bytes instead of a second download, and a copy left by an older
 * release is never taken (the server sends static files no-cache with an ETag).
 */
export async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(
    SHELL_FILES.map(async (path) => {
      const response = await fetch(new Request(path, { cache: "no-cache", credentials: "same-origin" }));
      if (!response.ok) throw new Error(`precache ${path}: HTTP ${response.status}`);
      await cache.put(path, await withoutRedirect(response));
    }),
  );
}

/** activate: delete the shell and static caches of other versions. */
export async function deleteOldCaches() {
  const names = await caches.keys();
  await Promise.all(
    names
      .filter((name) => (name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE) || (name.startsWith(STATIC_PREFIX) && name !== STATIC_CACHE))
      .map((name) => caches.delete(name)),
  );
}

/** The shell's copy of a path ("/" → "/index.html"), or undefined. */
export async function matchShell(pathname) {
  const cache = await caches.open(SHELL_CACHE);
  return cache.match(pathname === "/" ? "/index.html" : pathname);
}
