// #/veille/quartier — for referents: every check-in of the community (stopped ones included),
// those whose watchers are alerted first, and setting one up for a neighbour.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { statusRegion } from "../forms.js";
import { cachedBanner } from "../ui.js";
import { isReferent, memberOrNotice, performer } from "../community.js";
import { roundOf, watchedCard } from "./checkins.js";

const URGENCY = { escalated: 0, someone_going: 1, reminded: 2 };

function urgency(checkin) {
  const round = roundOf(checkin);
  if (checkin.status === "stopped") return 9;
  return round && round.state in URGENCY ? URGENCY[round.state] : 5;
}

export function render(container) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("checkinsCommunity.title"));
  if (!membership) return;
  if (!isReferent(me, membership.community_id)) {
    container.append(h("h1", {}, t("checkinsCommunity.title")), h("p", { class: "banner banner--info" }, t("checkinsCommunity.referentsOnly")));
    return;
  }
  const cached = cachedBanner(null);
  const status = statusRegion();
  const list = h("div", {}, h("p", { class: "loading" }, t("common.loading")));

  const perform = performer(status, () => load());

  async function load() {
    try {
      const { data, cachedAt } = await apiRead(`/communities/${membership.community_id}/checkins`);
      cachedBanner(cachedAt, cached);
      const sorted = [...data].sort((a, b) => urgency(a) - urgency(b));
      mount(list, ...(sorted.length ? sorted.map((checkin) => watchedCard(checkin, me, perform, 2)) : [h("p", { class: "lead" }, t("checkinsCommunity.empty"))]));
    } catch (err) {
      mount(list, h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    }
  }

  container.append(
    h("h1", {}, t("checkinsCommunity.title")),
    h("p", { class: "lead" }, t("checkinsCommunity.intro", { community: membership.community_name })),
    h("a", { href: "#/veille/nouvelle?pour=voisin", class: "button button--primary button--block" }, t("checkins.setupForSomeone")),
    cached,
    status,
    list,
  );
  load();
}
