// What the mairie brings to a resident's home page (#/): a safety check addressed to them (two
// huge answers), the mairie's current broadcasts (urgent ones on top), and the way into the
// mairie screens for staff, referents and admins. Not a screen: home.js calls addMairieSections.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead } from "../api.js";
import { broadcastCard, canUseMairie, referentOf, safetyCheckCard } from "../mairie.js";

const RANK = { urgence: 0, vigilance: 1, information: 2 };

/** Open safety checks asking this person (GET /me/safety-checks), each with its two buttons. */
function fillChecks(slot) {
  apiRead("/me/safety-checks")
    .then(({ data }) => slot.replaceChildren(...data.filter((check) => check.status === "open").map((check) => safetyCheckCard(check))))
    .catch(() => undefined); // offline or refused: the home page shows the rest
}

/** The current broadcasts of the person's communities: urgent ones in `top`, the others in `list`. */
function fillBroadcasts(me, top, section, list) {
  const communities = [...new Set((me.memberships || []).filter((m) => m.status === "active").map((m) => m.community_id))];
  if (!communities.length) return;
  Promise.all(communities.map((id) => apiRead(`/communities/${id}/broadcasts?active=true`).then(({ data }) => data).catch(() => [])))
    .then((lists) => {
      const byId = new Map(lists.flat().map((b) => [b.id, b]));
      const all = [...byId.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity] || String(b.sent_at).localeCompare(String(a.sent_at)));
      const urgent = all.filter((b) => b.severity === "urgence");
      top.append(...urgent.map((b) => broadcastCard(b, { level: 2 })));
      list.replaceChildren(...all.filter((b) => b.severity !== "urgence").map((b) => broadcastCard(b, { level: 3 })));
      section.hidden = list.children.length === 0;
    });
}

function linkCard(id, title, text, href, label) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), h("p", {}, text), h("a", { href, class: "button button--primary button--block" }, label));
}

/** Add the mairie's parts to the home page built in `container` for `me`. */
export function addMairieSections(container, me) {
  if (!me) return;
  const top = h("div", { class: "mairie-home-top" });
  const list = h("div", { class: "alert-list" });
  const section = h("section", { class: "home-section", "aria-labelledby": "mairie-broadcasts-title", hidden: true }, h("h2", { id: "mairie-broadcasts-title" }, t("mairie.member.broadcastsTitle")), list);
  const anchor = container.querySelector("h1 + .lead") || container.querySelector("h1");
  if (anchor) anchor.after(top);
  else container.prepend(top);
  const checks = h("div", {});
  top.append(checks);
  container.append(section);
  if (canUseMairie(me)) container.append(linkCard("mairie-link-title", t("mairie.home.title"), t("mairie.member.staffText"), "#/mairie", t("mairie.member.staffLink")));
  else if (referentOf(me).length) container.append(linkCard("signage-link-title", t("mairie.signage.title"), t("mairie.member.referentText"), "#/mairie/panneaux", t("mairie.member.referentLink")));
  if (me.is_admin) container.append(linkCard("journal-link-title", t("mairie.journal.title"), t("mairie.member.journalText"), "#/admin/journal", t("mairie.member.journalLink")));
  fillChecks(checks);
  fillBroadcasts(me, top, section, list);
}
