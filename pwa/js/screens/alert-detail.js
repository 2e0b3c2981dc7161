// #/alertes/<id> — one alert in full, how it was delivered, and the author's closing buttons.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { announce, statusRegion } from "../forms.js";
import { cachedBanner } from "../ui.js";
import { alertBadges, alertPath, categoryLabel, markAlertsSeen, refreshTimes, timeElement } from "../alerts.js";
import { longDateTime } from "../time.js";
import { watchLive } from "../live.js";

const CHANNELS = ["push", "email", "sms"];
// Rows of the delivery table: a count of the API's ChannelCounts each.
const COUNT_ROWS = ["sent", "received", "opened", "sending", "queued", "failed", "skipped"];
const REFRESH_WHILE_SENDING_MS = 10000;

function facts(alert) {
  const rows = [
    alert.place ? [t("alertDetail.place"), alert.place] : null,
    [t("alertDetail.author"), alert.author.name],
    [t("alertDetail.when"), [longDateTime(alert.created_at), " (", timeElement(alert.created_at), ")"]],
    alert.resolved_at ? [t("alertDetail.closedAt"), longDateTime(alert.resolved_at)] : null,
    alert.notify_mairie ? [t("alertDetail.alsoTold"), t("alertDetail.mairieTold")] : null,
    alert.notify_police && !alert.police_no_contact ? [t("alertDetail.alsoTold"), t("alertDetail.policeTold")] : null,
    alert.notify_police && alert.police_no_contact ? [t("alertDetail.policeTold"), t("alertDetail.policeNotTold")] : null,
    alert.moderation_reason ? [t("alertDetail.moderationReason"), alert.moderation_reason] : null,
  ].filter(Boolean);
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** Counts per channel for the author, referents, staff and moderators. */
function countsTable(delivery) {
  // « SMS de secours » only when some went: urgent pushes not received in time
  const rows = (delivery.sms || {}).fallback ? [...COUNT_ROWS, "fallback"] : COUNT_ROWS;
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "delivery-title" },
    h(
      "table",
      { class: "counts stack-narrow", "aria-labelledby": "delivery-title" },
      h("thead", {}, h("tr", {}, h("td", {}), CHANNELS.map((channel) => h("th", { scope: "col" }, t(`channels.${channel}`))))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h("tr", {}, h("th", { scope: "row" }, t(`alertDetail.counts.${row}`)), CHANNELS.map((channel) => h("td", { "data-label": t(`channels.${channel}`) }, String((delivery[channel] || {})[row] || 0)))),
        ),
      ),
    ),
  );
}

/** A member's own deliveries: "Notification : envoyée", "SMS : non envoyé (heures calmes)". */
function myDeliveries(rows) {
  if (!rows.length) return h("p", {}, t("alertDetail.mineNone"));
  return h(
    "ul",
    { class: "plain-list" },
    rows.map((row) =>
      h("li", {}, h("strong", {}, `${t(`channels.${row.channel}`)} : `), t(`alertDetail.states.${row.state}`), row.reason ? ` (${row.reason})` : "", row.fallback ? ` — ${t("alertDetail.fallbackMine")}` : ""),
    ),
  );
}

function deliverySection(alert) {
  const delivery = alert.delivery;
  if (!delivery) return null;
  const mine = Array.isArray(delivery.mine);
  return h(
    "section",
    { class: "delivery", "aria-labelledby": "delivery-title" },
    h("h2", { id: "delivery-title" }, t(mine ? "alertDetail.mineTitle" : "alertDetail.deliveryTitle")),
    mine ? myDeliveries(delivery.mine) : [countsTable(delivery), h("p", { class: "field-hint" }, t("alertDetail.skippedNote"))],
  );
}

function stillSending(alert) {
  const delivery = alert.delivery || {};
  if (Array.isArray(delivery.mine)) return delivery.mine.some((row) => row.state === "queued" || row.state === "sending");
  return CHANNELS.some((channel) => delivery[channel] && (delivery[channel].queued > 0 || delivery[channel].sending > 0));
}

/** "Marquer comme résolue" / "C'était une fausse alerte", each asking for a confirmation. */
function closeSection(alert, onClosed) {
  const status = statusRegion();
  const confirmBox = h("div", { class: "card card--warning", hidden: true });
  let pending = null;
  const ask = (resolution) => {
    pending = resolution;
    confirmBox.replaceChildren(
      h("p", {}, t(`alertDetail.confirm.${resolution}`)),
      h(
        "div",
        { class: "button-row" },
        h("button", { type: "button", class: "button button--primary", onclick: send }, t("alertDetail.confirmYes")),
        h("button", { type: "button", class: "button button--secondary", onclick: () => (confirmBox.hidden = true) }, t("common.cancel")),
      ),
    );
    confirmBox.hidden = false;
    confirmBox.querySelector("button").focus();
  };
  async function send(event) {
    event.currentTarget.disabled = true;
    try {
      const updated = await api(`${alertPath(alert.id)}/resolve`, { method: "POST", body: { resolution: pending } });
      onClosed(updated, t(`alertDetail.closed.${pending}`));
    } catch (err) {
      confirmBox.hidden = true;
      announce(status, errorMessage(err), "error");
    }
  }
  return h(
    "section",
    { class: "card", "aria-labelledby": "close-title" },
    h("h2", { id: "close-title" }, t("alertDetail.closeTitle")),
    h("p", {}, t("alertDetail.closeText")),
    h("button", { type: "button", class: "button button--primary button--block", onclick: () => ask("resolved") }, t("alertDetail.markResolved")),
    h("button", { type: "button", class: "button button--secondary button--block", onclick: () => ask("false_alarm") }, t("alertDetail.markFalseAlarm")),
    confirmBox,
    status,
  );
}

/** The police/gendarmerie referent's acknowledgement (for the author and staff; the API says who may read it). */
function policeAnswer(alert) {
  const slot = h("section", { class: "card", "aria-labelledby": "police-answer-title", hidden: true });
  api(`${alertPath(alert.id)}/police-acknowledgement`)
    .then((ack) => {
      mount(
        slot,
        h("h2", { id: "police-answer-title" }, t("partnership.answer.title")),
        h("p", {}, ack.acknowledged ? t("partnership.answer.done", { name: ack.by, when: longDateTime(ack.at) }) : t("partnership.answer.none")),
        ack.note ? h("p", {}, t("partnership.answer.noteIs", { note: ack.note })) : null,
      );
      slot.hidden = false;
    })
    .catch(() => undefined); // not the author nor staff: nothing to show
  return slot;
}

/** A no_news alert may be linked to a check-in (Veille solidaire): that screen's module, on demand. */
function linkToCheckin(alert) {
  const slot = h("div");
  import("./checkins-link.js").then(({ linkFromAlert }) => slot.append(linkFromAlert(alert))).catch(() => undefined);
  return slot;
}

export function render(container, { params, query }) {
  const me = getMe();
  const alertId = Number(params.id);
  const cached = cachedBanner(null);
  const content = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  let refreshTimer = null;
  let shown = ""; // the alert as last drawn, as JSON
  let linkSlot = null; // built once: re-renders while the alert is being sent keep it
  let message = query.envoyee ? t("alertDetail.sent") : "";

  function show(alert, cachedAt) {
    shown = JSON.stringify(alert);
    cachedBanner(cachedAt, cached);
    document.title = `${alert.title} — Vigie`;
    const isAuthor = alert.author.id === me.id;
    mount(
      content,
      h("p", { class: "alert-card-kicker" }, h("span", { class: "alert-category" }, categoryLabel(alert.category, alert.category_label)), " ", alertBadges(alert)),
      h("h1", { class: alert.urgent && alert.resolution === "open" ? "title-urgent" : null }, alert.title),
      message ? h("p", { class: "banner banner--success", role: "status" }, message) : null,
      h("p", { class: "alert-body" }, alert.body),
      facts(alert),
      alert.notify_police && !alert.police_no_contact && !cachedAt && (isAuthor || (me.mairie_communes || []).length) ? policeAnswer(alert) : null,
      deliverySection(alert),
      alert.category === "no_news" && !cachedAt ? (linkSlot ||= linkToCheckin(alert)) : null,
      isAuthor && alert.resolution === "open" && !cachedAt
        ? closeSection(alert, (updated, done) => {
            message = done;
            load();
          })
        : null,
      h("a", { href: "#/alertes", class: "button button--secondary button--block" }, t("alertDetail.back")),
    );
    clearTimeout(refreshTimer);
    if (stillSending(alert) && !cachedAt) refreshTimer = setTimeout(load, REFRESH_WHILE_SENDING_MS);
  }

  /** Read the alert and draw it (with `ifChanged`, only when it changed since it was drawn). */
  async function load({ ifChanged = false } = {}) {
    try {
      const { data, cachedAt } = await apiRead(alertPath(alertId));
      if (!ifChanged || JSON.stringify(data) !== shown) show(data, cachedAt);
    } catch (err) {
      mount(
        content,
        h("h1", {}, t("alertDetail.title")),
        h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)),
        h("a", { href: "#/alertes", class: "button button--secondary button--block" }, t("alertDetail.back")),
      );
    }
  }

  const stopLive = watchLive({
    onEvent: (type, alert) => {
      if (alert.id === alertId) load();
    },
    refresh: () => load({ ifChanged: true }), // closed or hidden while the stream was not ready yet
  });
  const clock = setInterval(() => refreshTimes(content), 60000);
  container.append(cached, content);
  markAlertsSeen();
  load();
  return () => {
    stopLive();
    clearTimeout(refreshTimer);
    clearInterval(clock);
  };
}
