// "Préparer pour hors ligne": read what one wants to have without Internet, so the service
// worker keeps a copy (network-first API answers are stored as they pass).
import { api } from "./api.js";
import { alertPath, feedPath } from "./alerts.js";
import { directoryPagePath, gazettePath, postPath } from "./community.js";

const ALERT_DETAILS = 10;
const POST_DETAILS = 10;

/** What to read, per community: a list path, then the paths found in its answer. */
const SOURCES = [
  {
    path: (communityId) => feedPath(communityId),
    follow: (page) => page.items.slice(0, ALERT_DETAILS).map((alert) => alertPath(alert.id)),
  },
  {
    // The Gazette's first page (the list's own URL) and its latest posts with their comments.
    path: (communityId) => gazettePath(communityId),
    follow: (page) => [...page.pinned, ...page.items].slice(0, POST_DETAILS).map((post) => postPath(post.id)),
  },
  { path: (communityId) => directoryPagePath(communityId) },
];

/** Fetch every source of the community; returns how many answers are now kept on the device. */
export async function prepareOffline(communityId) {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => false);
  let saved = 0;
  for (const source of SOURCES) {
    const data = await api(source.path(communityId));
    const more = source.follow ? source.follow(data) : [];
    await Promise.all(more.map((path) => api(path)));
    saved += 1 + more.length;
  }
  return saved;
}

/** Bytes used by this site on the device, or null when the browser does not say. */
export async function storageUsed() {
  if (!navigator.storage || !navigator.storage.estimate) return null;
  const { usage } = await navigator.storage.estimate();
  return typeof usage === "number" ? usage : null;
}
