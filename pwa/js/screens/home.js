// #/ — home: waiting for the letter (pending member) or the community's front page (active).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { currentMembership, getMe } from "../store.js";
import { addMairieSections } from "./mairie-member.js";

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

function activeHome(membership) {
  return [
    h("h1", {}, t("home.welcome", { community: membership.community_name })),
    h("p", { class: "lead" }, t("home.commune", { commune: membership.commune_name })),
    h(
      "a",
      { href: "#/alertes/nouvelle", class: "button button--alert button--block button--huge" },
      t("home.raiseAlert"),
    ),
    h("p", { class: "field-hint" }, t("home.raiseAlertHint")),
    h("p", { class: "banner banner--info" }, t("home.emergency")),
  ];
}

export function render(container) {
  const me = getMe();
  const membership = currentMembership(me);
  if (!membership) {
    container.append(h("h1", {}, t("home.noCommunityTitle")), h("p", { class: "lead" }, t("home.noCommunity")));
  } else if (membership.status === "active") {
    container.append(...activeHome(membership));
  } else {
    container.append(...pendingHome(me, membership));
  }
  // The mairie's safety checks and broadcasts for residents; the way in for staff and referents.
  addMairieSections(container, me);
}
