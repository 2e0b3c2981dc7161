// Page side of the service worker: registration, "new version" banner, cache purge.
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { wipeDatabase } from "/sw/db.js";

const PURGE_TIMEOUT_MS = 2000;
let reloading = false;

function showUpdateBanner(worker) {
  const area = document.getElementById("banners");
  if (!area || area.querySelector(".banner--update")) return;
  const banner = h(
    "div",
    { class: "banner banner--update", role: "status" },
    h("p", {}, h("strong", { "data-i18n": "update.title" }, t("update.title")), " ", h("span", { "data-i18n": "update.text" }, t("update.text"))),
    h(
      "button",
      {
        type: "button",
        class: "button button--primary",
        onclick: () => worker.postMessage({ type: "SKIP_WAITING" }),
      },
      h("span", { "data-i18n": "update.reload" }, t("update.reload")),
    ),
  );
  area.append(banner);
}

function watchForWaitingWorker(registration) {
  if (registration.waiting && navigator.serviceWorker.controller) showUpdateBanner(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      // "installed" with a controller = an update waits; without one it is the first install.
      if (worker.state === "installed" && navigator.serviceWorker.controller) showUpdateBanner(worker);
    });
  });
}

/**
 * The worker's script URL carries the shell VERSION (read from the network, never from the
 * shell cache): a new VERSION is a new URL, so the browser installs the new worker in full.
 * Relying on the browser noticing that only an imported module (version.js) changed is not
 * enough: Chromium then fails the update with "ServiceWorker cannot be started".
 */
async function workerUrl() {
  const { VERSION } = await import("/sw/version.js");
  return `/sw.js?v=${encodeURIComponent(VERSION)}`;
}

/**
 * Register /sw.js (a module worker, scope /) and offer reloading when a new one waits.
 * `onFirstControl()` runs when a first worker takes this page over: what the page read before
 * went past it, so that is the moment to read again what should be kept for offline use.
 */
export async function registerServiceWorker({ onFirstControl = () => undefined } = {}) {
  if (!("serviceWorker" in navigator)) return null;
  navigator.serviceWorker.addEventListener("message", followWorkerNavigation);
  let controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!controlled) {
      controlled = true;
      onFirstControl();
      return;
    }
    if (reloading || !document.querySelector(".banner--update")) return;
    reloading = true;
    location.reload();
  });
  const register = async () => navigator.serviceWorker.register(await workerUrl(), { type: "module", scope: "/" });
  try {
    const registration = await register();
    watchForWaitingWorker(registration);
    // Back to the app after a while: look for a new version (registering again checks it).
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") register().catch(() => {});
    });
    return registration;
  } catch (err) {
    // Offline (version unknown) the worker already installed keeps serving; browsers
    // without module workers still run the app, only without offline support.
    console.warn("Service worker not registered:", err);
    return null;
  }
}

/**
 * Ask the worker to delete the personal data kept on the device: cached API answers and,
 * unless keepDatabase, the IndexedDB database. Resolves once done or after a timeout.
 */
export function purgeCachedData({ keepDatabase = false } = {}) {
  const worker = "serviceWorker" in navigator ? navigator.serviceWorker.controller : null;
  if (!worker) {
    // Page not controlled (e.g. a forced reload): delete them from here.
    return Promise.all([
      "caches" in window ? caches.delete("vigie-api") : false,
      keepDatabase ? null : wipeDatabase(),
    ]);
  }
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(false), PURGE_TIMEOUT_MS);
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve(true);
    };
    worker.postMessage({ type: "PURGE", keepDatabase }, [channel.port2]);
  });
}

/** A tapped notification asks this window to show its alert ({type: "NAVIGATE", url}). */
function followWorkerNavigation(event) {
  const data = event.data || {};
  if (data.type !== "NAVIGATE" || typeof data.url !== "string") return;
  const target = new URL(data.url, location.href);
  if (target.origin !== location.origin) return;
  if (target.pathname === location.pathname) location.hash = target.hash;
  else location.assign(target.href);
}
