// #/ — home: waiting for the letter (pending member) or the community's front page (active).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead } from "../api.js";
import { currentMembership, getMe } from "../store.js";
import { addMairieSections } from "./mairie-member.js";
import { homeTiles } from "../community-nav.js";
import { alertCard, canModerate, feedPath, queuedAlertCard } from "../alerts.js";
import { installInvitation } from "../install.js";
import { reachCard } from "../reach.js";
import { cachedBanner } from "../ui.js";
import { listOutbox, onOutboxChange, removeFromOutbox, replayNow } from "../outbox.js";

const LATEST = 3;

function pendingHome(me, membership) {
  return [
    h("h1", {}, t("home.pendingTitle", { name: me.first_name })),
    h("p", { class: "lead" }, t("home.pendingIntro", { community: membership.community_name, commune: membership.commune_name })),
    h(
      "ol",
      { class: "steps" },
      h("li", {}, t("home.pendingStep1")),
      h("li", {}, t("home.pendingStep2")),
      h("li", {}, t("home.pendingStep3")),
    ),
    h("a", { href: "#/activation", class: "button button--primary button--block" }, t("home.enterCode")),
  ];
}

/**
 * The three latest alerts (the feed's first page, so the same offline copy serves both); when
 * they come from that copy (offline, or a network that answers nothing for 4 s), `cached` says
 * « Hors ligne — données du … » at the top of the page.
 */
function latestAlerts(membership, cached) {
  const list = h("div", { class: "alert-list" }, h("p", { class: "loading" }, t("common.loading")));
  apiRead(feedPath(membership.community_id))
    .then(({ data, cachedAt }) => {
      cachedBanner(cachedAt, cached);
      const items = data.items.slice(0, LATEST);
      list.replaceChildren(...(items.length ? items.map((alert) => alertCard(alert, { level: 3 })) : [h("p", {}, t("alerts.empty"))]));
    })
    .catch(() => list.replaceChildren(h("p", {}, t("home.latestUnavailable"))));
  return h(
    "section",
    { class: "home-section", "aria-labelledby": "latest-title" },
    h("h2", { id: "latest-title" }, t("home.latestTitle")),
    list,
    h("a", { href: "#/alertes", class: "button button--secondary button--block" }, t("home.allAlerts")),
  );
}

/**
 * « Donner l'alerte » first, visible without scrolling even at 200 % zoom; while an alert of mine
 * waits in the outbox (or was refused), its card takes that place instead, with its state, and
 * no red button sits beside it: a second tap would be a second alert. A plain link still leads
 * to a different alert.
 */
function raiseAlert(me, membership) {
  const slot = h("div", { class: "home-raise" });
  async function retry(event) {
    const button = event.currentTarget;
    button.disabled = true;
    await replayNow();
    button.disabled = false;
  }
  async function refresh() {
    const items = (await listOutbox("alert").catch(() => []))
      .filter((item) => item.info.community_id === membership.community_id && item.userId === me.id);
    if (!items.length) {
      slot.replaceChildren(
        h("a", { href: "#/alertes/nouvelle", class: "button button--alert button--block button--huge" }, t("home.raiseAlert")),
        h("p", { class: "field-hint" }, t("home.raiseAlertHint")),
      );
      return;
    }
    slot.replaceChildren(
      h("h2", { id: "waiting-title" }, t("home.waitingTitle", { count: items.length })),
      h("div", { class: "alert-list", "aria-labelledby": "waiting-title", role: "group" },
        items.map((item) => queuedAlertCard(item, { level: 3, onRetry: retry, onRemove: () => removeFromOutbox(item.id) }))),
      h("p", {}, h("a", { href: "#/alertes/nouvelle" }, t("home.otherAlert"))),
    );
  }
  refresh();
  return { slot, refresh };
}

function activeHome(me, membership, cached) {
  const raise = raiseAlert(me, membership);
  const stop = onOutboxChange(() => raise.refresh());
  return {
    nodes: [
      raise.slot,
      cached,
      h("h1", {}, t("home.welcome", { community: membership.community_name })),
      h("p", { class: "lead" }, t("home.commune", { commune: membership.commune_name })),
      h("p", { class: "banner banner--info" }, t("home.emergency")),
      homeTiles(),
      latestAlerts(membership, cached),
    ],
    stop,
  };
}

function moderationLink() {
  return h(
    "section",
    { class: "card", "aria-labelledby": "moderation-link-title" },
    h("h2", { id: "moderation-link-title" }, t("moderation.title")),
    h("p", {}, t("home.moderationText")),
    h("a", { href: "#/moderation", class: "button button--primary button--block" }, t("home.moderationLink")),
  );
}

export function render(container) {
  let cleanup;
  const me = getMe();
  const membership = currentMembership(me);
  const staffOf = me.mairie_communes || [];
  if (!membership && staffOf.length) {
    // A mairie agent without a neighbourhood of their own: their commune, not « Aucun quartier ».
    container.append(
      h("h1", {}, t("home.hello", { name: me.first_name })),
      h("p", { class: "lead", "data-staff-of": "" }, staffOf.map((c) => t("home.staffOf", { commune: c.name })).join(" · ")),
    );
  } else if (!membership && canModerate(me)) {
    container.append(h("h1", {}, t("home.hello", { name: me.first_name })));
  } else if (!membership) {
    container.append(h("h1", {}, t("home.noCommunityTitle")), h("p", { class: "lead" }, t("home.noCommunity")));
  } else if (membership.status === "active") {
    const home = activeHome(me, membership, cachedBanner(null));
    container.append(...home.nodes);
    // « Recevoir les alertes sur ce téléphone » while only e-mail reaches them (reach.js): under the page's
    // title and its lead (so its h2 follows the h1), above the tiles.
    (container.querySelector("h1 + .lead") || home.nodes[0]).after(reachCard());
    cleanup = home.stop;
  } else {
    container.append(...pendingHome(me, membership));
  }
  // « Installer Vigie sur l'écran d'accueil » (empty once installed, or where nothing can be offered).
  container.append(installInvitation());
  // The mairie's safety checks and broadcasts for residents; the way in for staff and referents.
  addMairieSections(container, me);
  if (canModerate(me)) container.append(moderationLink());
  return cleanup;
}
