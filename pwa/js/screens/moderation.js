// #/moderation — moderators and admins: alerts by moderation state; approve, hide or remove
// (hiding and removing need a reason, told to the author); each alert's history.
import { h, uid } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { announce, statusRegion } from "../forms.js";
import { cachedBanner, notice } from "../ui.js";
import { alertCard, canModerate, cardList, isWithdrawnEvent, readAlertList, refreshTimes } from "../alerts.js";
import { longDateTime } from "../time.js";
import { watchLive } from "../live.js";

const STATES = ["pending", "approved", "hidden", "removed"];
// What each action makes of an alert; an alert offers the actions that change its state.
const ACTIONS = { approve: "approved", hide: "hidden", remove: "removed" };
const MIN_REASON = 3;

function tabs(current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": t("moderation.tabsLabel") },
    h(
      "ul",
      {},
      STATES.map((state) =>
        h("li", {}, h("a", { href: `#/moderation?etat=${state}`, class: "tab", "aria-current": state === current ? "page" : null }, t(`moderation.states.${state}`))),
      ),
    ),
  );
}

function historyDetails(alertId) {
  const body = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  const details = h("details", { class: "history" }, h("summary", {}, t("moderation.history")), body);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const entries = await api(`/moderation/alerts/${alertId}/history`);
      body.replaceChildren(
        entries.length
          ? h(
              "ul",
              { class: "plain-list" },
              entries.map((entry) =>
                h("li", {}, h("strong", {}, t(`moderation.did.${entry.action}`)), ` — ${entry.moderator}, ${longDateTime(entry.created_at)}`, entry.reason ? h("span", { class: "choice-detail" }, t("moderation.reasonIs", { reason: entry.reason })) : null),
              ),
            )
          : h("p", {}, t("moderation.noHistory")),
      );
    } catch (err) {
      loaded = false;
      body.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
    }
  });
  return details;
}

/** The buttons of one alert; "hide" and "remove" open a reason field first. */
function actionsFor(alert, onDone) {
  const status = statusRegion();
  const reasonBox = h("div", { class: "card card--warning", hidden: true });
  async function act(action, reason, button) {
    button.disabled = true;
    try {
      const updated = await api(`/moderation/alerts/${alert.id}`, { method: "POST", body: { action, reason } });
      onDone(updated, t(`moderation.done.${action}`));
    } catch (err) {
      announce(status, errorMessage(err), "error");
      button.disabled = false;
    }
  }
  function askReason(action) {
    const id = uid("reason");
    const field = h("textarea", { id, class: "input input--area", rows: "3", maxlength: "500", "aria-describedby": `${id}-hint` });
    const error = h("p", { class: "field-error", hidden: true, id: `${id}-error` });
    const confirm = h("button", { type: "button", class: "button button--danger-outline" }, t(`moderation.confirm.${action}`));
    confirm.addEventListener("click", () => {
      const reason = field.value.trim();
      if (reason.length < MIN_REASON) {
        error.textContent = t("moderation.reasonRequired");
        error.hidden = false;
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", `${id}-error ${id}-hint`);
        field.focus();
        return;
      }
      act(action, reason, confirm);
    });
    reasonBox.replaceChildren(
      h("label", { for: id, class: "field-label" }, t("moderation.reasonLabel")),
      h("p", { id: `${id}-hint`, class: "field-hint" }, t("moderation.reasonHint")),
      error,
      field,
      h("div", { class: "button-row" }, confirm, h("button", { type: "button", class: "button button--secondary", onclick: () => (reasonBox.hidden = true) }, t("common.cancel"))),
    );
    reasonBox.hidden = false;
    field.focus();
  }
  const buttons = Object.entries(ACTIONS)
    .filter(([, state]) => state !== alert.moderation)
    .map(([action]) =>
      h(
        "button",
        {
          type: "button",
          class: ["button", action === "approve" ? "button--primary" : "button--danger-outline"],
          onclick: (event) => (action === "approve" ? act(action, "", event.currentTarget) : askReason(action)),
        },
        t(`moderation.actions.${action}`),
      ),
    );
  return h("div", { class: "moderation-actions" }, h("div", { class: "button-row" }, buttons), reasonBox, status);
}

export function render(container, { query }) {
  const me = getMe();
  if (!canModerate(me)) {
    container.append(...notice({ title: t("moderation.title"), text: t("errors.forbidden"), kind: "error", href: "#/", link: t("common.backHome") }));
    return undefined;
  }
  const state = STATES.includes(query.etat) ? query.etat : "pending";
  const cached = cachedBanner(null);
  const status = statusRegion();
  const list = cardList();
  const empty = h("p", { class: "lead", hidden: true }, t("moderation.empty"));
  const problem = h("div", { role: "alert" });
  function show(alert) {
    if (alert.moderation !== state) {
      list.remove(alert.id);
      empty.hidden = list.size > 0;
      return;
    }
    const extra = [
      h("p", { class: "alert-card-meta" }, t("moderation.community", { community: alert.community_name })),
      h("p", { class: "alert-body" }, alert.body),
      actionsFor(alert, (updated, done) => {
        announce(status, done, "success");
        show(updated);
      }),
      historyDetails(alert.id),
    ];
    list.put(alert.id, alertCard(alert, { extra }));
    empty.hidden = true;
  }

  const load = () => readAlertList(`/moderation/alerts?state=${state}`, { show, list, cached, empty, problem });

  // A hidden or removed alert comes as its id and state only: refetch this tab if it belongs here.
  const onLive = (type, alert) => (isWithdrawnEvent(alert) && alert.moderation === state ? load() : show(alert));
  const stopLive = watchLive({ onEvent: onLive, refresh: load });
  const clock = setInterval(() => refreshTimes(list.element), 60000);
  container.append(h("h1", {}, t("moderation.title")), h("p", { class: "lead" }, t("moderation.intro")),
    h("p", {}, h("a", { href: "#/moderation/courriers", class: "link-large" }, t("moderation.lettersLink"))), tabs(state), cached, status, problem, list.element, empty);
  load();
  return () => {
    stopLive();
    clearInterval(clock);
  };
}
