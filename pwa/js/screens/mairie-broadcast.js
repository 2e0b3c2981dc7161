// #/mairie/<id> — one broadcast of the mairie as residents read it (the push/SMS link), with
// its « Mise à jour » and « Fin d'alerte » follow-ups when the reader's community got them.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { cachedBanner } from "../ui.js";
import { broadcastCard } from "../mairie.js";

/** Follow-ups of the broadcast sent to one of the reader's communities, oldest first. */
async function followups(broadcastId) {
  const me = getMe();
  const membership = ((me && me.memberships) || []).find((m) => m.status === "active");
  if (!membership) return [];
  const { data } = await apiRead(`/communities/${membership.community_id}/broadcasts`);
  return data.filter((b) => b.parent_id === broadcastId).reverse();
}

export function render(container, { params }) {
  const id = Number(params.id);
  const cached = cachedBanner(null);
  const content = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  const later = h("div", {});
  const back = h("a", { href: "#/", class: "button button--secondary button--block" }, t("common.backHome"));
  apiRead(`/broadcasts/${id}`)
    .then(({ data, cachedAt }) => {
      cachedBanner(cachedAt, cached);
      document.title = `${data.title} — Vigie`;
      mount(content, broadcastCard(data, { level: 1, link: false }));
      return followups(id);
    })
    .then((items) => {
      if (items && items.length) {
        mount(later, h("h2", {}, t("mairie.member.followups")), h("div", { class: "alert-list" }, items.map((b) => broadcastCard(b, { level: 3, from: false }))));
      }
    })
    .catch((err) => {
      if (!content.querySelector("h1")) mount(content, h("h1", {}, t("mairie.member.broadcastTitle")), h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    });
  container.append(cached, content, later, back);
}
