// Alerts shared by the screens: categories, API paths, cards, badges, times that stay fresh.
import { h } from "./dom.js";
import { hasKey, t } from "./i18n.js";
import { ApiError, apiRead, errorMessage } from "./api.js";
import { cachedBanner, keyedList } from "./ui.js";
import { setMeta } from "/sw/db.js";
import { longDateTime, relativeTime, shortDateTime } from "./time.js";

/** Categories in the order of the form: the urgent ones first (same keys as the API). */
export const CATEGORIES = [
  "burglary_in_progress",
  "fire_smoke",
  "suspicious_person",
  "suspicious_vehicle",
  "open_while_away",
  "no_news",
  "other",
];
/** Never held by quiet hours (backend/alerts/service.py URGENT). */
export const URGENT = new Set(["burglary_in_progress", "fire_smoke"]);
/** Alerts per page of the feed. */
export const PAGE_SIZE = 20;

/** GET path of a page of a community's feed (the same URL online, offline and when preparing). */
export function feedPath(communityId, before = null) {
  const more = before ? `&before=${encodeURIComponent(before)}` : "";
  return `/communities/${encodeURIComponent(communityId)}/alerts?limit=${PAGE_SIZE}${more}`;
}

export function alertPath(alertId) {
  return `/alerts/${encodeURIComponent(alertId)}`;
}

/** The active membership whose alerts the app shows, or null (pending, or none). */
export function alertMembership(me) {
  return ((me && me.memberships) || []).find((m) => m.status === "active") || null;
}

/** Moderators and admins: they moderate alerts and see the hidden ones. */
export function canModerate(me) {
  return Boolean(me && (me.is_moderator || me.is_admin));
}

/** The person is looking at the alerts: the app icon's badge (counted by the worker) goes. */
export function markAlertsSeen() {
  setMeta("unseen", 0).catch(() => undefined);
  if (navigator.clearAppBadge) navigator.clearAppBadge().catch(() => undefined);
}

/** The category in the UI language; the server's French label for a category we do not know. */
export function categoryLabel(category, fallback = "") {
  const key = `alerts.categories.${category}`;
  return hasKey(key) ? t(key) : fallback || category;
}

/** <time> with a relative text ("il y a 5 minutes") kept fresh by refreshTimes(). */
export function timeElement(iso) {
  const el = h("time", { datetime: iso, title: longDateTime(iso), "data-relative": "" }, relativeTime(iso));
  return el;
}

/** Update every relative time under root (call each minute). */
export function refreshTimes(root) {
  root.querySelectorAll("time[data-relative]").forEach((el) => {
    el.textContent = relativeTime(el.getAttribute("datetime"));
  });
}

function badge(kind, text) {
  return h("span", { class: `badge badge--${kind}` }, text);
}

/** A list of alert cards kept newest first by id: put(id, card), remove(id), size. */
export function cardList() {
  return keyedList("alert-list");
}

/**
 * Read a list of alerts (`path` answers an array) into a screen: the offline banner in `cached`,
 * each item through show(item), `empty` shown when `list` stays empty, errors in `problem`.
 */
export async function readAlertList(path, { show, list, cached, empty, problem }) {
  try {
    const { data, cachedAt } = await apiRead(path);
    cachedBanner(cachedAt, cached);
    data.forEach(show);
    empty.hidden = list.size > 0;
    problem.replaceChildren();
  } catch (err) {
    problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
  }
}

/**
 * True for a live event about an alert the moderation hid or removed: it carries only
 * {id, community_id, moderation} (never the title or body), so lists drop the alert or refetch.
 */
export function isWithdrawnEvent(alert) {
  return ["hidden", "removed"].includes(alert.moderation) && !alert.author;
}

/** Badges that say what state an alert is in: urgent, resolved, false alarm, moderation. */
export function alertBadges(alert) {
  const badges = [];
  if (alert.urgent && alert.resolution === "open") badges.push(badge("urgent", t("alerts.urgent")));
  if (alert.resolution === "resolved") badges.push(badge("resolved", t("alerts.resolved")));
  if (alert.resolution === "false_alarm") badges.push(badge("false-alarm", t("alerts.falseAlarm")));
  if (alert.moderation === "hidden" || alert.moderation === "removed") badges.push(badge("moderated", t(`alerts.moderation.${alert.moderation}`)));
  return badges;
}

/** The card of an alert in a list; without `extra` content the whole card opens the alert. */
export function alertCard(alert, { level = 2, extra = null } = {}) {
  const urgent = alert.urgent && alert.resolution === "open";
  return h(
    "article",
    { class: ["alert-card", urgent && "alert-card--urgent", alert.resolution !== "open" && "alert-card--closed"], "data-alert-id": String(alert.id) },
    h("p", { class: "alert-card-kicker" }, h("span", { class: "alert-category" }, categoryLabel(alert.category, alert.category_label)), " ", alertBadges(alert)),
    h(`h${level}`, { class: "alert-card-title" }, h("a", { href: `#/alertes/${alert.id}`, class: extra ? null : "stretched-link" }, alert.title)),
    alert.place ? h("p", { class: "alert-card-meta" }, t("alerts.placeIs", { place: alert.place })) : null,
    h("p", { class: "alert-card-meta" }, t("alerts.byAuthor", { name: alert.author.name }), " · ", timeElement(alert.created_at)),
    extra,
  );
}

/** Why the server refused a queued request, in the UI language. */
function refusal(error) {
  return error ? errorMessage(new ApiError(error.status, error.detail, error.code)) : t("errors.unknown");
}

/** The card of an alert still in the outbox: waiting for the network, or refused by the server. */
export function queuedAlertCard(item, { level = 2, onRetry, onRemove }) {
  const failed = item.state === "failed";
  const written = t("outbox.writtenAt", { when: shortDateTime(item.createdAt) });
  return h(
    "article",
    { class: ["alert-card", failed ? "alert-card--failed" : "alert-card--pending"], "data-outbox-id": item.id },
    h("p", { class: "alert-card-kicker" }, badge(failed ? "failed" : "pending", t(failed ? "outbox.failed" : "outbox.pending"))),
    h(`h${level}`, { class: "alert-card-title" }, item.body.title),
    h("p", { class: "alert-card-meta" }, categoryLabel(item.body.category), " · ", written),
    failed
      ? [
          h("p", {}, t("outbox.failedText")),
          h("p", { class: "banner banner--error" }, refusal(item.error)),
          h("p", {}, t("outbox.failedAdvice")),
          h("button", { type: "button", class: "button button--danger-outline button--block", onclick: onRemove }, t("outbox.remove")),
        ]
      : [
          h("p", {}, t("outbox.pendingText")),
          h("button", { type: "button", class: "button button--secondary button--block", onclick: onRetry }, t("outbox.retry")),
        ],
  );
}
