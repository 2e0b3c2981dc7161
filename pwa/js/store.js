// The current user ("Me" of the API) and who is told when it changes.
import { api, ApiError } from "./api.js";

// The last Me is kept on this device so the app still knows its user offline
// (/auth/me is never cached by the service worker). Logout removes it.
const STORAGE_KEY = "vigie.me";

let me = null;
const listeners = new Set();

function remember(value) {
  try {
    if (value) localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage unavailable: nothing kept, nothing to wipe
  }
}

function remembered() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

export function getMe() {
  return me;
}

export function isLoggedIn() {
  return me !== null;
}

export function setMe(value) {
  me = value || null;
  remember(me);
  listeners.forEach((fn) => fn(me));
}

/** Forget the user (logout, expired session). */
export function clearMe() {
  setMe(null);
}

/** Call fn(me) after each change; returns an unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** GET /auth/me; null when not logged in; this device's copy when offline. */
export async function loadMe() {
  try {
    setMe(await api("/auth/me"));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 0 || err.status >= 500) && remembered()) {
      setMe(remembered());
    } else {
      clearMe();
    }
  }
  return me;
}

/** The membership the app shows: the first active one, else the first pending one. */
export function currentMembership(user = me) {
  const memberships = (user && user.memberships) || [];
  return memberships.find((m) => m.status === "active") || memberships[0] || null;
}

/** The first membership still waiting for its activation code, if any. */
export function pendingMembership(user = me) {
  return ((user && user.memberships) || []).find((m) => m.status === "pending") || null;
}
