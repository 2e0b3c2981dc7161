// « Installer Vigie sur l'écran d'accueil »: the browser's own prompt where it offers one
// (beforeinstallprompt: Chrome, Edge, Samsung Internet on Android), the Safari steps on an
// iPhone or iPad (Web Push works there only in the installed app), nothing once installed.
import { h } from "./dom.js";
import { t } from "./i18n.js";

const DISMISSED_KEY = "vigie.install.dismissed";
const DISMISS_DAYS = 30;
const CHANGED = "vigie:install-changed";

let deferredPrompt = null;

/** Running as the installed app (Android/desktop display mode, or iOS home-screen app). */
export function isInstalled() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

/** An iPhone, iPod or iPad (iPadOS says "Macintosh" but has a touch screen). */
export function isIos() {
  const ua = navigator.userAgent;
  return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

function dismissedRecently() {
  try {
    const at = Number(localStorage.getItem(DISMISSED_KEY));
    return at > 0 && Date.now() - at < DISMISS_DAYS * 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

function changed() {
  window.dispatchEvent(new Event(CHANGED));
}

/**
 * At boot, before the browser may fire it: keep `beforeinstallprompt` for our own button
 * (instead of the browser's mini-infobar) and forget it once the app is installed.
 */
export function watchInstallPrompt() {
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    deferredPrompt = event;
    changed();
  });
  window.addEventListener("appinstalled", () => {
    deferredPrompt = null;
    changed();
  });
  window.matchMedia("(display-mode: standalone)").addEventListener("change", changed);
}

/** Which invitation fits this browser now: "prompt", "ios" or null. */
function invitationKind() {
  if (isInstalled() || dismissedRecently()) return null;
  if (deferredPrompt) return "prompt";
  if (isIos()) return "ios";
  return null;
}

async function install(section) {
  const event = deferredPrompt;
  deferredPrompt = null; // a prompt event can be used only once
  section.remove();
  if (!event) return;
  try {
    await event.prompt();
    await event.userChoice;
  } catch (err) {
    console.warn("install prompt:", err);
  }
}

function later(section) {
  try {
    localStorage.setItem(DISMISSED_KEY, String(Date.now()));
  } catch {
    // private browsing: hidden for this visit only
  }
  section.remove();
}

function laterButton(section) {
  return h("button", { type: "button", class: "button button--secondary button--block", onclick: () => later(section) }, t("install.later"));
}

function promptCard(section) {
  return [
    h("h2", { id: "install-title" }, t("install.title")),
    h("p", {}, t("install.text")),
    h("button", { type: "button", class: "button button--primary button--block", onclick: () => install(section) }, t("install.button")),
    laterButton(section),
  ];
}

function iosCard(section) {
  return [
    h("h2", { id: "install-title" }, t("install.title")),
    h("p", {}, t("install.iosText")),
    h("ol", { class: "steps" }, h("li", {}, t("install.iosStep1")), h("li", {}, t("install.iosStep2")), h("li", {}, t("install.iosStep3"))),
    laterButton(section),
  ];
}

/**
 * The home screen's invitation: a section that shows the fitting card, appears when the browser
 * offers installing later on, and empties itself once the app is installed.
 */
export function installInvitation() {
  const section = h("section", { class: "card install-invitation", "aria-labelledby": "install-title", hidden: true });
  const show = () => {
    if (!section.isConnected && section.dataset.shown) {
      window.removeEventListener(CHANGED, show);
      return;
    }
    const kind = invitationKind();
    section.dataset.kind = kind || "";
    section.replaceChildren(...(kind === "prompt" ? promptCard(section) : kind === "ios" ? iosCard(section) : []));
    section.hidden = !kind;
    section.dataset.shown = "1";
  };
  show();
  window.addEventListener(CHANGED, show);
  return section;
}
