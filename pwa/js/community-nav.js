// Community life in the app's chrome: the unread-messages count (a badge on the navigation's
// home link and on the home page's Messages tile, kept fresh by the live stream, by polling
// without it, and after reading), and the home page's big tiles.
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { api } from "./api.js";
import { getMe, subscribe } from "./store.js";
import { watchLive } from "./live.js";
import { communityOf } from "./community.js";

let total = 0;
let stopLive = null;
let openConversation = null;
const listeners = new Set();

/**
 * The conversation on screen (null when none): its new messages are marked read by its screen,
 * which then refreshes the count itself, so the badge does not race it with a stale count.
 */
export function setOpenConversation(conversationId) {
  openConversation = conversationId;
}

/** Unread messages of the logged-in member (0 before the first answer). */
export function unreadTotal() {
  return total;
}

/** Call fn(total) on each change; returns the unsubscribe function. */
export function onUnreadChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** "3 messages non lus", read by screen readers next to the visible number. */
function unreadBadge(count, className) {
  return h(
    "span",
    { class: className },
    h("span", { "aria-hidden": "true" }, count > 99 ? "99+" : String(count)),
    h("span", { class: "visually-hidden" }, t("messages.unreadCount", { count })),
  );
}

function drawNavBadge() {
  const link = document.querySelector('#nav a[data-nav="home"]');
  if (!link) return;
  const existing = link.querySelector(".nav-badge");
  if (existing) existing.remove();
  if (total > 0) link.append(unreadBadge(total, "nav-badge"));
}

function setTotal(count) {
  total = count;
  drawNavBadge();
  listeners.forEach((fn) => fn(total));
}

/** GET /messages/unread; offline the last known count stays. */
export async function refreshUnread() {
  if (!communityOf(getMe())) {
    setTotal(0);
    return;
  }
  try {
    setTotal((await api("/messages/unread")).total || 0);
  } catch {
    // offline or logged out meanwhile: keep what is shown
  }
}

function follow(me) {
  if (communityOf(me) && !stopLive) {
    stopLive = watchLive({
      types: ["message.created"],
      onEvent: (type, message) => {
        if (message.author && message.author.id !== me.id && message.conversation_id !== openConversation) refreshUnread();
      },
      refresh: refreshUnread,
    });
    refreshUnread();
  } else if (!communityOf(me) && stopLive) {
    stopLive();
    stopLive = null;
    setTotal(0);
  }
}

/** Show the badge for whoever is logged in, now and after each login or logout. */
export function startUnreadBadge() {
  follow(getMe());
  subscribe(follow);
}

function tile({ href, title, text, icon, extra = null }) {
  return h(
    "a",
    { href, class: "home-tile" },
    h("span", { class: `home-tile-icon home-tile-icon--${icon}`, "aria-hidden": "true" }),
    h("span", { class: "home-tile-text" }, h("span", { class: "home-tile-title" }, title), h("span", { class: "home-tile-detail" }, text)),
    extra,
  );
}

/**
 * The home page's tiles: Messages (with its unread count), Veille solidaire and the mairie's register. The count stops
 * being followed once the home page is left.
 */
export function homeTiles() {
  const slot = h("span", { class: "home-tile-badge-slot" });
  const draw = (count) => slot.replaceChildren(count > 0 ? unreadBadge(count, "badge badge--unread") : "");
  draw(total);
  const stop = onUnreadChange((count) => (section.isConnected ? draw(count) : stop()));
  const section = h(
    "section",
    { class: "home-tiles", "aria-label": t("community.tilesLabel") },
    tile({ href: "#/messages", title: t("messages.title"), text: t("community.tileMessages"), icon: "messages", extra: slot }),
    tile({ href: "#/veille", title: t("checkins.title"), text: t("community.tileCheckins"), icon: "checkins" }),
    tile({ href: "#/registre", title: t("community.tileRegister"), text: t("community.tileRegisterText"), icon: "checkins" }),
  );
  return section;
}
