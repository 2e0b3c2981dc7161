// Log in and out: the session cookie, the current user and the data kept on this device.
import { api } from "./api.js";
import { setMe, clearMe } from "./store.js";
import { purgeCachedData } from "./sw-client.js";
import { startOutbox, stopOutbox } from "./outbox.js";
import { stopPushOnThisDevice } from "./push-client.js";

/**
 * After login or sign-up: drop any API data cached for someone else; the device's database is
 * kept when it is this person's (a session that expired must not lose an alert in the outbox).
 */
export async function startSession(me) {
  await purgeCachedData({ keepDatabase: true });
  setMe(me);
  await startOutbox(me);
}

/** Stop this device's notifications, POST /auth/logout, wipe the data kept here, forget the user. */
export async function logout() {
  stopOutbox();
  await stopPushOnThisDevice().catch(() => undefined);
  try {
    await api("/auth/logout", { method: "POST" });
  } catch {
    // already logged out or offline: the local wipe below still happens
  }
  await purgeCachedData();
  clearMe();
}
