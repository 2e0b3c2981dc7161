// #/mairie/diffusions — the commune's broadcasts by status, with their reach per channel
// (live), « Mise à jour » / « Fin d'alerte » follow-ups, and edit/cancel while scheduled.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton, textareaField } from "../forms.js";
import { cachedBanner, refill } from "../ui.js";
import { badge, broadcastCard, when } from "../mairie.js";
import { areaText, tabs, channelList, coalesce, communePath, confirmBox, reachTable, staffHeading, staffScreen, watchCommune } from "../mairie-staff.js";

const STATUSES = ["all", "scheduled", "sent", "cancelled"];
const PAGE_SIZE = 20;

function facts(commune, b) {
  const rows = [
    [t("mairie.list.area"), areaText(commune, b)],
    [t("mairie.list.channels"), channelList(b.channels)],
    b.status === "scheduled" ? [t("mairie.list.scheduledAt"), when(b.scheduled_at)] : null,
    b.cancelled_at ? [t("mairie.list.cancelledAt"), when(b.cancelled_at)] : null,
    b.ended_at ? [t("mairie.list.endedAt"), when(b.ended_at)] : null,
    b.sms_estimate ? [t("mairie.list.smsEstimate"), String(b.sms_estimate)] : null,
    b.author ? [t("mairie.list.author"), b.author.name] : null,
  ].filter(Boolean);
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** The follow-up form (« Mise à jour » or « Fin d'alerte ») of a sent broadcast. */
function followupForm(commune, b, kind, onDone) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form card", "aria-label": t(`mairie.list.followupLabel.${kind}`) },
    h("h3", {}, t(`mairie.list.followupLabel.${kind}`)),
    inputField({ name: "title", label: t("mairie.list.followupTitle"), hint: t(`mairie.list.followupTitleHint.${kind}`), required: false, maxlength: "120", autocomplete: "off" }),
    textareaField({ name: "body", label: t("mairie.list.followupBody"), hint: t(`mairie.list.followupBodyHint.${kind}`), maxlength: "2000", rows: 4 }),
    alertRegion,
    submitButton(t(`mairie.list.followupSend.${kind}`), kind === "end" ? "secondary" : "primary"),
  );
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      const body = { kind, body: values.body, ...(values.title ? { title: values.title } : {}) };
      await api(communePath(commune.id, `/broadcasts/${b.id}/followups`), { method: "POST", body });
      onDone(t(`mairie.list.followupDone.${kind}`));
    },
  });
  return form;
}

function actions(commune, b, { onChanged }) {
  const status = statusRegion();
  const slot = h("div", {});
  const confirm = confirmBox();
  const buttons = [];
  const open = (kind) => {
    slot.replaceChildren(followupForm(commune, b, kind, (message) => onChanged(message)));
    slot.querySelector("input, textarea").focus();
  };
  if (b.status === "scheduled") {
    buttons.push(h("a", { href: `#/mairie/diffusion?modifier=${b.id}`, class: "button button--secondary" }, t("mairie.list.edit")));
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "button button--danger-outline",
          onclick: () =>
            confirm.ask([t("mairie.list.cancelConfirm", { title: b.title })], t("mairie.list.cancelYes"), async (yes) => {
              yes.disabled = true;
              try {
                await api(communePath(commune.id, `/broadcasts/${b.id}/cancel`), { method: "POST" });
                onChanged(t("mairie.list.cancelled"));
              } catch (err) {
                confirm.element.hidden = true;
                announce(status, errorMessage(err), "error");
              }
            }),
        },
        t("mairie.list.cancel"),
      ),
    );
  }
  if (b.status === "sent" && !b.parent_id && !b.ended_at) {
    buttons.push(h("button", { type: "button", class: "button button--secondary", onclick: () => open("update") }, t("mairie.list.update")));
    buttons.push(h("button", { type: "button", class: "button button--secondary", onclick: () => open("end") }, t("mairie.list.end")));
  }
  if (!buttons.length) return null;
  return h("div", { class: "moderation-actions" }, h("div", { class: "button-row" }, buttons), confirm.element, slot, status);
}

function statusBadge(b) {
  const kind = { scheduled: "pending", sent: "resolved", cancelled: "moderated" }[b.status] || "pending";
  return badge(kind, t(`mairie.list.status.${b.status}`));
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    const current = STATUSES.includes(query.etat) ? query.etat : "all";
    const cached = cachedBanner(null);
    const message = statusRegion();
    const list = h("div", { class: "alert-list" });
    const empty = h("p", { class: "lead", hidden: true }, t("mairie.list.empty"));
    const problem = h("div", { role: "alert" });
    const more = h("button", { type: "button", class: "button button--secondary button--block", hidden: true }, t("mairie.list.more"));
    const shown = [];
    let nextBefore = null;
    const justSaved = Number(query.envoyee || query.modifiee) || null;

    function card(b) {
      const extra = [
        facts(commune, b),
        h("div", { class: "mairie-reach" }, b.delivery ? reachTable(b.delivery, t("mairie.list.reachCaption", { title: b.title })) : null),
        actions(commune, b, {
          onChanged: (text) => {
            announce(message, text, "success");
            load();
          },
        }),
      ];
      return broadcastCard(b, { link: b.status === "sent", from: false, badges: [" ", statusBadge(b)], extra });
    }

    function pathFor(before) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (current !== "all") params.set("status", current);
      if (before) params.set("before", String(before));
      return communePath(commune.id, `/broadcasts?${params}`);
    }

    /** The first page again (or, with `before`, the next one appended). */
    async function load(before = null) {
      more.disabled = true;
      try {
        const { data, cachedAt } = await apiRead(pathFor(before));
        if (!before) {
          cachedBanner(cachedAt, cached);
          shown.length = 0;
        }
        shown.push(...data);
        if (before) list.append(...data.map(card));
        else refill(list, data.map(card));
        nextBefore = data.length === PAGE_SIZE ? data[data.length - 1].id : null;
        more.hidden = nextBefore === null;
        empty.hidden = shown.length > 0;
        problem.replaceChildren();
        const saved = justSaved && shown.find((b) => b.id === justSaved);
        if (saved && !before && !message.textContent) {
          announce(message, saved.status === "scheduled" ? t("mairie.list.savedScheduled", { when: when(saved.scheduled_at) }) : t("mairie.list.savedSent"), "success");
        }
      } catch (err) {
        problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
      } finally {
        more.disabled = false;
      }
    }

    more.addEventListener("click", () => load(nextBefore));
    const reload = coalesce(() => load());
    /** New figures of one broadcast: its table only (a follow-up being written stays as it is). */
    function onReach(data) {
      const b = shown.find((item) => item.id === data.broadcast_id);
      const slot = list.querySelector(`[data-broadcast-id="${data.broadcast_id}"] .mairie-reach`);
      if (b && slot && data.delivery) {
        slot.replaceChildren(reachTable(data.delivery, t("mairie.list.reachCaption", { title: b.title })) || "");
      } else if (!writing()) {
        reload();
      }
    }
    const writing = () => list.querySelector("form"); // a follow-up is being written
    const stopLive = watchCommune(commune.id, { onSection: (section, data) => section === "broadcast_reach" && onReach(data), refresh: () => writing() || load() });
    mount(
      container,
      ...staffHeading(t("mairie.list.title"), commune),
      h("a", { href: "#/mairie/diffusion", class: "button button--primary button--block" }, t("mairie.list.compose")),
      tabs(t("mairie.list.tabsLabel"), STATUSES.map((status) => [status, `#/mairie/diffusions?etat=${status}`, t(`mairie.list.tabs.${status}`)]), current),
      cached,
      message,
      problem,
      list,
      empty,
      more,
    );
    load();
    return () => {
      stopLive();
      reload.cancel();
    };
  });
}
