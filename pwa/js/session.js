// Log in and out: the session cookie, the current user and the worker's cached API data.
import { api } from "./api.js";
import { setMe, clearMe } from "./store.js";
import { purgeCachedData } from "./sw-client.js";

/** After login or sign-up: drop any API data cached for someone else, keep the new user. */
export async function startSession(me) {
  await purgeCachedData();
  setMe(me);
}

/** POST /auth/logout, wipe cached personal data, forget the user. */
export async function logout() {
  try {
    await api("/auth/logout", { method: "POST" });
  } catch {
    // already logged out or offline: the local wipe below still happens
  }
  await purgeCachedData();
  clearMe();
}
