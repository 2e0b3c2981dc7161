// Linking a « Pas de nouvelles d'un voisin » alert to a check-in, so the check-in's history
// keeps it: from the check-in (pick among the community's recent no_news alerts) and from the
// alert (pick among the check-ins I watch, or, for referents, the community's). Watchers who
// accepted and referents only; the API checks it again.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { announce, statusRegion } from "../forms.js";
import { card } from "../ui.js";
import { eventDateTime, isReferent } from "../community.js";
import { checkinPath } from "./checkins.js";

const NO_NEWS = "no_news";
const RECENT_ALERTS = 50;

function linkAlert(checkinId, alertId) {
  return api(`${checkinPath(checkinId)}/link-alert`, { method: "POST", body: { alert_id: alertId } });
}

/** May the signed-in user link alerts to this check-in? */
export function canLink(checkin) {
  return checkin.status !== "stopped" && (checkin.my_role === "watcher" || checkin.my_role === "referent");
}

/** On the check-in: a button that lists the community's recent no_news alerts, each to link. */
export function linkFromCheckin(checkin, onLinked) {
  const status = statusRegion();
  const list = h("ul", { class: "plain-list", "data-link-alerts": "" });
  const open = h("button", { type: "button", class: "button button--secondary button--block" }, t("checkinsLink.choose"));
  async function show() {
    open.disabled = true;
    mount(list, h("li", { class: "loading" }, t("common.loading")));
    try {
      const { data } = await apiRead(`/communities/${encodeURIComponent(checkin.community_id)}/alerts?limit=${RECENT_ALERTS}`);
      const alerts = data.items.filter((a) => a.category === NO_NEWS);
      mount(
        list,
        alerts.length
          ? alerts.map((a) =>
              h(
                "li",
                { class: "history-item" },
                h("p", {}, h("a", { href: `#/alertes/${a.id}` }, a.title)),
                h("p", { class: "field-hint" }, eventDateTime(a.created_at), " · ", a.author.name),
                h("button", { type: "button", class: "button button--primary", onclick: (e) => link(e, a) }, t("checkinsLink.link")),
              ),
            )
          : h("li", {}, t("checkinsLink.noneInCommunity")),
      );
      open.hidden = true;
    } catch (err) {
      mount(list);
      announce(status, errorMessage(err), "error");
    }
    open.disabled = false;
  }
  async function link(event, alert) {
    event.currentTarget.disabled = true;
    try {
      await linkAlert(checkin.id, alert.id);
      onLinked(t("checkinsLink.linked", { title: alert.title }));
    } catch (err) {
      event.currentTarget.disabled = false;
      announce(status, errorMessage(err), "error");
    }
  }
  open.addEventListener("click", show);
  return card(t("checkinsLink.title"), h("p", {}, t("checkinsLink.text", { name: checkin.person.name })), open, list, status);
}

/** On a no_news alert: the check-ins it could belong to; nothing at all when there are none. */
export function linkFromAlert(alert) {
  const section = h("div", { "data-link-checkins": "" });
  const status = statusRegion();
  async function candidates() {
    const me = getMe();
    const { data } = await apiRead("/solidarity/checkins");
    const found = new Map(data.watching.map((c) => [c.id, c]));
    if (isReferent(me, alert.community_id)) {
      const community = await apiRead(`/communities/${encodeURIComponent(alert.community_id)}/checkins`);
      community.data.forEach((c) => found.set(c.id, c));
    }
    return [...found.values()].filter((c) => c.community_id === alert.community_id && canLink(c));
  }
  async function link(event, checkin) {
    event.currentTarget.disabled = true;
    try {
      await linkAlert(checkin.id, alert.id);
      mount(
        section,
        card(
          t("checkinsLink.fromAlertTitle"),
          h("p", { class: "banner banner--success", role: "status" }, t("checkinsLink.linkedTo", { name: checkin.person.name })),
          h("a", { href: `#/veille/${checkin.id}`, class: "button button--secondary button--block" }, t("checkinsLink.open", { name: checkin.person.name })),
        ),
      );
    } catch (err) {
      event.currentTarget.disabled = false;
      announce(status, errorMessage(err), "error");
    }
  }
  if (alert.category === NO_NEWS) {
    candidates()
      .then((checkins) => {
        if (!checkins.length) return;
        mount(
          section,
          card(
            t("checkinsLink.fromAlertTitle"),
            h("p", {}, t("checkinsLink.fromAlertText")),
            checkins.map((c) =>
              h("button", { type: "button", class: "button button--secondary button--block", onclick: (e) => link(e, c) }, t("checkinsLink.linkTo", { name: c.person.name })),
            ),
            status,
          ),
        );
      })
      .catch(() => undefined); // offline or no right to list: the alert is shown without it
  }
  return section;
}
