// #/ — home: waiting for the letter (pending member) or the community's front page (active).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead } from "../api.js";
import { currentMembership, getMe } from "../store.js";
import { addMairieSections } from "./mairie-member.js";
import { homeTiles } from "../community-nav.js";
import { alertCard, canModerate, feedPath } from "../alerts.js";
import { installInvitation } from "../install.js";

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

/** The three latest alerts (the feed's first page, so the same offline copy serves both). */
function latestAlerts(membership) {
  const list = h("div", { class: "alert-list" }, h("p", { class: "loading" }, t("common.loading")));
  apiRead(feedPath(membership.community_id))
    .then(({ data }) => {
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

function activeHome(membership) {
  return [
    h("h1", {}, t("home.welcome", { community: membership.community_name })),
    h("p", { class: "lead" }, t("home.commune", { commune: membership.commune_name })),
    h("a", { href: "#/alertes/nouvelle", class: "button button--alert button--block button--huge" }, t("home.raiseAlert")),
    h("p", { class: "field-hint" }, t("home.raiseAlertHint")),
    h("p", { class: "banner banner--info" }, t("home.emergency")),
    homeTiles(),
    latestAlerts(membership),
  ];
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
  const me = getMe();
  const membership = currentMembership(me);
  if (!membership && canModerate(me)) {
    container.append(h("h1", {}, t("home.hello", { name: me.first_name })));
  } else if (!membership) {
    container.append(h("h1", {}, t("home.noCommunityTitle")), h("p", { class: "lead" }, t("home.noCommunity")));
  } else if (membership.status === "active") {
    container.append(...activeHome(membership));
  } else {
    container.append(...pendingHome(me, membership));
  }
  // « Installer Vigie sur l'écran d'accueil » (empty once installed, or where nothing can be offered).
  container.append(installInvitation());
  // The mairie's safety checks and broadcasts for residents; the way in for staff and referents.
  addMairieSections(container, me);
  if (canModerate(me)) container.append(moderationLink());
}
