// #/alertes — the community's alerts, newest first, live; alerts waiting in the outbox on top.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { cachedBanner, notice } from "../ui.js";
import { alertCard, alertMembership, canModerate, cardList, feedPath, isWithdrawnEvent, markAlertsSeen, queuedAlertCard, refreshTimes } from "../alerts.js";
import { listOutbox, onOutboxChange, removeFromOutbox, replayNow } from "../outbox.js";
import { watchLive } from "../live.js";

const CLOCK_MS = 60000;

/** Pending membership or none: say why there are no alerts yet. */
export function noAlertsNotice(me) {
  const pending = ((me && me.memberships) || []).some((m) => m.status === "pending");
  return pending
    ? notice({ title: t("alerts.title"), text: t("alerts.notActive"), kind: "info", href: "#/activation", link: t("home.enterCode") })
    : notice({ title: t("alerts.title"), text: t("home.noCommunity"), kind: "info", href: "#/", link: t("common.backHome") });
}

function raiseButton() {
  return h("a", { href: "#/alertes/nouvelle", class: "button button--alert button--block button--large" }, t("home.raiseAlert"));
}

export function render(container, { query }) {
  const me = getMe();
  const membership = alertMembership(me);
  if (!membership) {
    container.append(...noAlertsNotice(me));
    return undefined;
  }
  const communityId = membership.community_id;
  const cached = cachedBanner(null);
  const announcer = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const queued = h("div", { class: "alert-list" });
  const list = cardList();
  const empty = h("p", { class: "lead", hidden: true }, t("alerts.empty"));
  const problem = h("div", { role: "alert" });
  const more = h("button", { type: "button", class: "button button--secondary button--block", hidden: true }, t("alerts.more"));
  let nextBefore = null;
  let loaded = false;
  let queuedCount = 0;
  // While an alert of mine waits, no red button beside it (a second tap made a second alert).
  const raise = raiseButton();
  const otherAlert = h("p", { hidden: true }, h("a", { href: "#/alertes/nouvelle" }, t("home.otherAlert")));

  function visible(alert) {
    return alert.community_id === communityId
      && (canModerate(me) || alert.author.id === me.id || !["hidden", "removed"].includes(alert.moderation));
  }

  /** Add or replace an alert's card (or drop it when the moderation hid it). */
  function show(alert, { live = false } = {}) {
    if (!visible(alert)) {
      list.remove(alert.id);
      return;
    }
    if (list.put(alert.id, alertCard(alert)) && live) announcer.textContent = t("alerts.newLive", { title: alert.title });
    empty.hidden = true;
  }

  async function load(before = null) {
    more.disabled = true;
    try {
      const { data, cachedAt } = await apiRead(feedPath(communityId, before));
      if (!before) cachedBanner(cachedAt, cached);
      data.items.forEach((alert) => show(alert));
      if (before || !loaded) nextBefore = data.next_before; // a refresh keeps the pages already shown
      loaded = true;
      more.hidden = nextBefore === null;
      empty.hidden = list.size > 0 || queuedCount > 0;
      problem.replaceChildren();
    } catch (err) {
      problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
    } finally {
      more.disabled = false;
    }
  }

  async function retry(event) {
    const button = event.currentTarget;
    button.disabled = true;
    const counts = await replayNow();
    button.disabled = false;
    if (!counts || counts.waiting) problem.replaceChildren(h("p", { class: "banner banner--offline" }, t("outbox.stillWaiting")));
  }

  async function showQueued() {
    const items = (await listOutbox("alert")).filter((item) => item.info.community_id === communityId && item.userId === me.id);
    queuedCount = items.length;
    raise.hidden = queuedCount > 0;
    otherAlert.hidden = queuedCount === 0;
    empty.hidden = !loaded || list.size > 0 || queuedCount > 0;
    queued.replaceChildren(
      ...items.map((item) =>
        queuedAlertCard(item, {
          onRetry: retry,
          onRemove: () => removeFromOutbox(item.id),
        }),
      ),
    );
  }

  more.addEventListener("click", () => load(nextBefore));
  const stopOutbox = onOutboxChange((message) => {
    showQueued();
    if (message.type === "sent" && message.kind === "alert") {
      announcer.textContent = t("outbox.sentLive");
      load();
    }
  });
  /** A live event: an alert hidden or removed comes as its id and state only. */
  function onLive(type, alert) {
    if (!isWithdrawnEvent(alert)) {
      show(alert, { live: type === "alert.created" });
    } else if (canModerate(me)) {
      load(); // moderators still read it: fetch the full alert
    } else {
      list.remove(alert.id);
      empty.hidden = list.size > 0 || queuedCount > 0;
    }
  }

  const stopLive = watchLive({
    onEvent: onLive,
    refresh: () => load(),
  });
  const clock = setInterval(() => refreshTimes(list.element), CLOCK_MS);
  markAlertsSeen();

  mount(
    container,
    h("h1", {}, t("alerts.title")),
    h("p", { class: "lead" }, t("alerts.intro", { community: membership.community_name })),
    query.attente ? h("div", { class: "banner banner--offline", role: "status" }, h("p", {}, h("strong", {}, t("outbox.queuedTitle"))), h("p", {}, t("outbox.queuedText"))) : null,
    raise,
    cached,
    announcer,
    queued,
    otherAlert,
    problem,
    list.element,
    empty,
    more,
  );
  showQueued();
  load();
  return () => {
    stopOutbox();
    stopLive();
    clearInterval(clock);
  };
}
