// Messages from the pages: {type: "SKIP_WAITING"} and {type: "PURGE", keepDatabase?}.
import { purgeApiCache } from "./strategies.js";
import { wipeDatabase } from "./db.js";

function reply(event, message) {
  if (event.ports && event.ports[0]) event.ports[0].postMessage(message);
  else if (event.source) event.source.postMessage(message);
}

/**
 * Logout: the cached API answers, the IndexedDB database (outbox, token, device) and the badge.
 * A login keeps the database (the page wipes it itself when it was someone else's).
 */
export async function purgePersonalData({ keepDatabase = false } = {}) {
  await Promise.all([purgeApiCache(), keepDatabase ? null : wipeDatabase()]);
  if (self.navigator && self.navigator.clearAppBadge) await self.navigator.clearAppBadge().catch(() => undefined);
}

/** message listener body; answers PURGE with {type: "PURGED"} once the personal data is gone. */
export async function handleMessage(event) {
  const type = event.data && event.data.type;
  if (type === "SKIP_WAITING") {
    await self.skipWaiting();
  } else if (type === "PURGE") {
    await purgePersonalData({ keepDatabase: Boolean(event.data.keepDatabase) });
    reply(event, { type: "PURGED" });
  }
}
