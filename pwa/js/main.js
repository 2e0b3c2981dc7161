// Boot: language, CSRF cookie, current user, router, service worker, outbox.
import { getLang, loadLanguage, preferredLanguage, onLanguageChange, storedLanguage, translateStatic, t } from "./i18n.js";
import { health, SESSION_LOST } from "./api.js";
import { clearMe, currentMembership, getMe, loadMe, subscribe } from "./store.js";
import { registerServiceWorker } from "./sw-client.js";
import { currentLocation, navigate, render, startRouter } from "./router.js";
import { h } from "./dom.js";
import { startOutbox } from "./outbox.js";
import { startUnreadBadge } from "./community-nav.js";
import { alertMembership } from "./alerts.js";
import { watchInstallPrompt } from "./install.js";
import { watchCachedReads } from "./ui.js";

function updateChrome(me) {
  const membership = currentMembership(me);
  const community = document.getElementById("community-name");
  // A mairie agent without a neighbourhood of their own sees their commune's name instead.
  const commune = !membership && me && me.mairie_communes && me.mairie_communes.length ? me.mairie_communes[0].name : "";
  community.textContent = membership ? membership.community_name : commune;
  community.hidden = !membership && !commune;
  document.getElementById("nav").hidden = !me;
  document.body.classList.toggle("has-nav", Boolean(me));
}

function showConnectivity() {
  const area = document.getElementById("banners");
  const existing = area.querySelector(".banner--offline");
  if (navigator.onLine) {
    if (existing) existing.remove();
  } else if (!existing) {
    area.prepend(h("p", { class: "banner banner--offline", role: "status", "data-i18n": "offline.banner" }, t("offline.banner")));
  }
}

/** The first worker just took over: keep the latest alerts for offline reading right away. */
async function keepForOffline() {
  const membership = alertMembership(getMe());
  if (!membership) return;
  const { prepareOffline } = await import("./offline-prep.js");
  await prepareOffline(membership.community_id).catch(() => undefined);
}

async function boot() {
  watchInstallPrompt(); // before the browser may offer installing
  await Promise.all([
    loadLanguage(preferredLanguage()).catch((err) => console.error(err)),
    health().catch(() => null), // sets the csrftoken cookie
    loadMe(),
  ]);
  // A device where nobody chose a language speaks the account's (chosen on another device).
  const account = getMe()?.locale;
  if (account && !storedLanguage() && account !== getLang()) await loadLanguage(account).catch((err) => console.error(err));
  translateStatic();
  updateChrome(getMe());
  subscribe(updateChrome);
  onLanguageChange(() => {
    translateStatic();
    render();
  });
  window.addEventListener(SESSION_LOST, () => {
    clearMe();
    if (currentLocation().path !== "/connexion") navigate("/connexion");
  });
  window.addEventListener("online", showConnectivity);
  window.addEventListener("offline", showConnectivity);
  showConnectivity();
  watchCachedReads(document.getElementById("app"));
  await startRouter(document.getElementById("app"));
  startUnreadBadge(); // unread messages on the navigation's home link, after each login too
  registerServiceWorker({ onFirstControl: keepForOffline });
  // Alerts written offline go out now (and on `online`, on a timer, by Background Sync).
  if (getMe()) startOutbox(getMe()).catch((err) => console.warn(err));
}

boot();
