// Fetch wrapper for the Vigie JSON API (/api/v1): JSON in and out, session cookie, CSRF header.
import { t, getLang, hasKey } from "./i18n.js";

const BASE = "/api/v1";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Event fired on window when the API answers 401 outside /auth/. */
export const SESSION_LOST = "vigie:session-lost";

/** An error answered by the API ({status_code, detail, code}) or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, detail, code, extra) {
    super(detail || code || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail || "";
    this.code = code || "";
    this.extra = extra;
  }
}

/** Event fired on window when apiRead got an answer from the worker's offline copy. */
export const CACHED_READ = "vigie:cached-read";
/** Header the service worker adds to an answer it gives from its cache (see strategies.js). */
const CACHED_AT_HEADER = "x-vigie-cached-at";

function readCookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

/** The CSRF token of this browser (the `csrftoken` cookie), "" before the first API answer. */
export function csrfToken() {
  return readCookie("csrftoken");
}

/** GET /health: also makes the server set the csrftoken cookie. */
export function health() {
  return api("/health");
}

async function parseBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) return response.json();
  return response.text();
}

async function call(path, { method = "GET", body, headers = {}, signal, keepalive = false } = {}) {
  method = method.toUpperCase();
  // keepalive: the request outlives the page (a decision sent as the moderator closes the tab).
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers }, signal, keepalive };
  if (body instanceof FormData || body instanceof Blob) {
    init.body = body; // multipart form or a file as is: the browser sets the Content-Type
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (UNSAFE.has(method)) {
    if (!readCookie("csrftoken")) await health().catch(() => {});
    init.headers["x-csrftoken"] = readCookie("csrftoken");
  }
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "", "network");
  }
  let data = null;
  try {
    data = await parseBody(response);
  } catch {
    data = null;
  }
  if (!response.ok) {
    const info = data && typeof data === "object" ? data : {};
    // A session that expired elsewhere: main.js sends the user back to the login screen.
    if (response.status === 401 && !path.startsWith("/auth/")) window.dispatchEvent(new Event(SESSION_LOST));
    throw new ApiError(response.status, info.detail, info.code, info.extra);
  }
  return { data, response };
}

/**
 * Call the API. `path` is relative to /api/v1; `body` is sent as JSON, or as is when it is a
 * FormData or a File/Blob (photo uploads). Returns the decoded JSON (null for 204), throws
 * ApiError otherwise.
 */
export async function api(path, options) {
  return (await call(path, options)).data;
}

/**
 * GET with freshness: {data, cachedAt}; `cachedAt` (a Date) is set when the service worker
 * answered from its offline copy, so the screen can say "hors ligne — données du …".
 */
export async function apiRead(path, options) {
  const screen = location.hash;
  const { data, response } = await call(path, options);
  const stamp = response.headers.get(CACHED_AT_HEADER);
  const cachedAt = stamp ? new Date(stamp) : null;
  // Every screen that shows data from the copy says so (ui.js watchCachedReads), even one that
  // has no banner of its own.
  if (cachedAt) window.dispatchEvent(new CustomEvent(CACHED_READ, { detail: { cachedAt, screen } }));
  return { data, cachedAt };
}

/**
 * The message to show for an error: the server's French `detail` when the UI is French,
 * the catalogue entry `errors.<code>` in English (or when there is no detail).
 */
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return t("errors.unknown");
  const key = `errors.${err.code}`;
  if (getLang() === "fr" && err.detail) return err.detail;
  if (err.code && hasKey(key)) return t(key);
  if (err.status === 0) return t("errors.network");
  if (err.status === 429) return t("errors.rate_limited");
  if (err.status >= 500) return t("errors.server");
  return err.detail || t("errors.unknown");
}
