// API calls made without a page's help (outbox replays, push receipts, re-subscription).
// Every unsafe request needs the CSRF header equal to the `csrftoken` cookie. A worker has no
// document.cookie: pages keep a copy of the token in IndexedDB (META "csrf") for it; where the
// Cookie Store API exists in workers (Chromium) the live cookie is read instead, since the copy
// can be stale: `csrftoken` is a session cookie, dropped when the browser closes, and the
// server sets a new one at the next request that comes without it.
import { getMeta } from "./db.js";

const REQUEST_TIMEOUT_MS = 15000;

function documentCookie() {
  if (typeof document === "undefined") return "";
  const match = document.cookie.split(";").map((part) => part.trim()).find((part) => part.startsWith("csrftoken="));
  return match ? decodeURIComponent(match.slice("csrftoken=".length)) : "";
}

async function readableCookie() {
  if (typeof document !== "undefined") return documentCookie();
  try {
    const cookie = self.cookieStore ? await self.cookieStore.get("csrftoken") : null;
    return cookie ? cookie.value : "";
  } catch {
    return "";
  }
}

/**
 * The CSRF token: the cookie where this context can read it (after a GET /health when there is
 * none yet: the server then sets one), else the copy the pages keep in IndexedDB.
 */
export async function csrfToken() {
  const canRead = typeof document !== "undefined" || Boolean(self.cookieStore);
  let token = await readableCookie();
  if (!token && canRead) {
    await fetch("/api/v1/health", { credentials: "same-origin" }).catch(() => null);
    token = await readableCookie();
  }
  return token || (await getMeta("csrf")) || "";
}

/**
 * fetch() a same-origin API URL with the session cookie, the CSRF header and a JSON body; gives
 * up after a timeout. Rejects only when the network fails; HTTP errors resolve as responses.
 */
export async function apiFetch(url, { method = "POST", headers = {}, body } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "x-csrftoken": await csrfToken(), ...headers },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** The JSON error of an API answer ({detail, code}), or {} when it has none. */
export async function errorBody(response) {
  try {
    const data = await response.json();
    return data && typeof data === "object" ? data : {};
  } catch {
    return {};
  }
}
