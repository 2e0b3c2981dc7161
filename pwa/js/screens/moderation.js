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

/** The buttons of one alert; "hide" and "remove" open a reason field first. decide(action, reason,
 * status) takes the decision (sent after the undo delay; its errors told in the card's status). */
function actionsFor(alert, decide) {
  const status = statusRegion();
  const reasonBox = h("div", { class: "card card--warning", hidden: true });
  function act(action, reason) {
    reasonBox.hidden = true;
    decide(action, reason, status);
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
      act(action, reason);
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
          onclick: () => (action === "approve" ? act(action, "") : askReason(action)),
        },
        t(`moderation.actions.${action}`),
      ),
    );
  return h("div", { class: "moderation-actions" }, h("div", { class: "button-row" }, buttons), reasonBox, status);
}

// A decision waits this long before it is sent, with « Annuler » meanwhile: nothing leaves the
// browser before (no notice, no fan-out of an approved alert), so the undo is exact.
const UNDO_MS = 6000;

/** The first control of a card (its first action button), to move the focus to. */
function firstControl(card) {
  return card.querySelector(".moderation-actions button") || card.querySelector("a, button, summary");
}

/** The card after `card` in the list that is not waiting on a decision (else the one before). */
function neighbour(card) {
  for (const step of ["nextElementSibling", "previousElementSibling"]) {
    let other = card[step];
    while (other && other.hidden) other = other[step];
    if (other) return other;
  }
  return null;
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
  // Decisions in their undo delay: alert id → {timer, send, bar}; their cards are hidden in place.
  const waiting = new Map();
  const undoBars = h("div", { class: "undo-bars", role: "region", "aria-label": t("moderation.undoLabel") });

  /** Say how a decision went, without moving the page (announce() would scroll to the top). */
  function say(text, kind = "success") {
    status.replaceChildren(h("p", { class: `banner banner--${kind}` }, text));
  }

  /** Send a waiting decision now (its delay is over, or the moderator leaves). */
  function sendNow(id, keepalive = false) {
    const decision = waiting.get(id);
    if (!decision) return;
    clearTimeout(decision.timer);
    waiting.delete(id);
    decision.bar.remove();
    decision.send(keepalive);
  }

  function decide(alert, card, action, reason, cardStatus) {
    const next = neighbour(card);
    card.hidden = true;
    const text = t(`moderation.willDo.${action}`, { title: alert.title });
    const undo = h("button", { type: "button", class: "button button--secondary button--small" }, t("moderation.undo"));
    const bar = h("div", { class: "undo-bar", "data-alert-id": String(alert.id) }, h("p", {}, text, " ", h("span", { class: "undo-hint" }, t("moderation.undoHint"))), undo);
    undoBars.append(bar);
    say(text);
    // The place is kept: the next alert takes this one's place and gets the focus (else « Annuler »).
    const target = next ? firstControl(next) : undo;
    if (target) target.focus({ preventScroll: true });
    undo.addEventListener("click", () => {
      clearTimeout(waiting.get(alert.id).timer);
      waiting.delete(alert.id);
      bar.remove();
      card.hidden = false;
      empty.hidden = true;
      say(t("moderation.undone"));
      const control = firstControl(card);
      if (control) control.focus({ preventScroll: true });
    });
    waiting.set(alert.id, {
      bar,
      timer: setTimeout(() => sendNow(alert.id), UNDO_MS),
      async send(keepalive) {
        try {
          const updated = await api(`/moderation/alerts/${alert.id}`, { method: "POST", body: { action, reason }, keepalive });
          say(t(`moderation.done.${action}`));
          show(updated);
        } catch (err) {
          card.hidden = false;
          announce(cardStatus, errorMessage(err), "error");
        }
      },
    });
    empty.hidden = [...list.element.children].some((other) => !other.hidden);
  }

  // Leaving the screen or the page sends the decisions still waiting: they were taken.
  const sendAll = () => [...waiting.keys()].forEach((id) => sendNow(id, true));
  window.addEventListener("pagehide", sendAll);

  function show(alert) {
    if (waiting.has(alert.id)) return; // its decision is in its undo delay
    if (alert.moderation !== state) {
      list.remove(alert.id);
      empty.hidden = list.size > 0;
      return;
    }
    let card = null;
    const extra = [
      h("p", { class: "alert-card-meta" }, t("moderation.community", { community: alert.community_name })),
      h("p", { class: "alert-body" }, alert.body),
      actionsFor(alert, (action, reason, cardStatus) => decide(alert, card, action, reason, cardStatus)),
      historyDetails(alert.id),
    ];
    card = alertCard(alert, { extra });
    list.put(alert.id, card);
    empty.hidden = true;
  }

  const load = () => readAlertList(`/moderation/alerts?state=${state}`, { show, list, cached, empty, problem });

  // A hidden or removed alert comes as its id and state only: refetch this tab if it belongs here.
  const onLive = (type, alert) => (isWithdrawnEvent(alert) && alert.moderation === state ? load() : show(alert));
  const stopLive = watchLive({ onEvent: onLive, refresh: load });
  const clock = setInterval(() => refreshTimes(list.element), 60000);
  container.append(h("h1", {}, t("moderation.title")), h("p", { class: "lead" }, t("moderation.intro")),
    h("p", {}, h("a", { href: "#/moderation/courriers", class: "link-large" }, t("moderation.lettersLink"))),
    h("p", {}, h("a", { href: "#/moderation/signalements", class: "link-large" }, t("office.reports.link"))), tabs(state), cached, status, problem, list.element, empty, undoBars);
  load();
  return () => {
    stopLive();
    clearInterval(clock);
    window.removeEventListener("pagehide", sendAll);
    sendAll();
  };
}
