// #/mairie/panneaux — street-sign orders. Staff: every order of the commune, approve / decline /
// mark delivered, and order for the mairie or a community. Referents: their community's orders
// (to follow the status) and a new order.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, checkboxField, choiceGroup, formAlert, handleSubmit, inputField, selectField, statusRegion, submitButton, textareaField } from "../forms.js";
import { getMe } from "../store.js";
import { cachedBanner, notice } from "../ui.js";
import { badge, canUseMairie, referentOf, when } from "../mairie.js";
import { communePath, staffHeading, staffScreen } from "../mairie-staff.js";

const MODELS = ["panneau_rue", "panneau_entree", "autocollant"];
const STATUS_BADGE = { requested: "pending", approved: "resolved", declined: "moderated", delivered: "resolved" };

function orderCard(order, actionsPart = null) {
  const rows = [
    [t("mairie.signage.quantity"), String(order.quantity)],
    [t("mairie.signage.for"), order.community_id ? order.community_name : t("mairie.signage.forMairie")],
    [t("mairie.signage.address"), order.delivery_address],
    [t("mairie.signage.subsidised"), t(order.subsidised ? "mairie.signage.yes" : "mairie.signage.no")],
    [t("mairie.signage.requestedBy"), t("mairie.signage.byOn", { name: order.requested_by.name, when: when(order.created_at) })],
    order.note ? [t("mairie.signage.note"), order.note] : null,
    order.decided_at ? [t("mairie.signage.decidedAt"), when(order.decided_at)] : null,
    order.decision_note ? [t("mairie.signage.decisionNote"), order.decision_note] : null,
    order.delivered_at ? [t("mairie.signage.deliveredAt"), when(order.delivered_at)] : null,
    order.delivery_note ? [t("mairie.signage.deliveryNote"), order.delivery_note] : null,
  ].filter(Boolean);
  return h(
    "article",
    { class: "alert-card mairie-order", "data-order-id": String(order.id) },
    h("p", { class: "alert-card-kicker" }, badge(STATUS_BADGE[order.status] || "pending", t(`mairie.signage.status.${order.status}`))),
    h("h3", { class: "alert-card-title" }, t(`mairie.signage.models.${order.model}`)),
    h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    actionsPart,
  );
}

/** Staff decisions: approve (subsidised or not) or decline a request; deliver an approved one. */
function decisionPart(commune, order, onDone) {
  if (order.status !== "requested" && order.status !== "approved") return null;
  const alertRegion = formAlert();
  const decide = async (decision, values) => {
    const body = { decision, note: values.note || "" };
    if (decision === "approve") body.subsidised = Boolean(values.subsidised);
    const updated = await api(communePath(commune.id, `/signage-orders/${order.id}/decision`), { method: "POST", body });
    onDone(updated, t(`mairie.signage.done.${decision}`));
  };
  let decision = order.status === "requested" ? "approve" : "deliver";
  const buttons =
    order.status === "requested"
      ? [
          h("button", { type: "submit", class: "button button--primary", onclick: () => (decision = "approve") }, t("mairie.signage.approve")),
          h("button", { type: "submit", class: "button button--danger-outline", onclick: () => (decision = "decline") }, t("mairie.signage.decline")),
        ]
      : [h("button", { type: "submit", class: "button button--primary" }, t("mairie.signage.deliver"))];
  const form = h(
    "form",
    { class: "form moderation-actions" },
    order.status === "requested" ? checkboxField({ name: "subsidised", label: t("mairie.signage.subsidiseLabel"), checked: order.subsidised }) : null,
    order.status === "requested"
      ? textareaField({ name: "note", label: t("mairie.signage.decisionNoteLabel"), hint: t("mairie.signage.decisionNoteHint"), required: false, maxlength: "500", rows: 2 })
      : textareaField({ name: "note", label: t("mairie.signage.deliveryNoteLabel"), hint: t("mairie.signage.deliveryNoteHint"), required: false, maxlength: "500", rows: 2 }),
    alertRegion,
    h("div", { class: "button-row" }, buttons),
  );
  handleSubmit(form, alertRegion, { submit: (values) => decide(decision, values) });
  return form;
}

/** The order form; `targets` ([value, label]) lets staff choose the mairie or a community. */
function orderForm(targets, onSubmit) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form" },
    targets ? selectField({ name: "target", label: t("mairie.signage.for"), options: targets, required: false }) : null,
    choiceGroup({ name: "model", legend: t("mairie.signage.model"), choices: MODELS.map((m) => ({ value: m, label: t(`mairie.signage.models.${m}`), detail: t(`mairie.signage.modelDetails.${m}`) })) }),
    inputField({ name: "quantity", label: t("mairie.signage.quantity"), hint: t("mairie.signage.quantityHint"), type: "number", min: "1", max: "500", inputmode: "numeric", value: "1" }),
    textareaField({ name: "delivery_address", label: t("mairie.signage.address"), hint: t("mairie.signage.addressHint"), maxlength: "300", rows: 3 }),
    checkboxField({ name: "subsidised", label: t("mairie.signage.askSubsidy"), detail: t("mairie.signage.askSubsidyDetail") }),
    textareaField({ name: "note", label: t("mairie.signage.noteLabel"), required: false, maxlength: "500", rows: 2 }),
    alertRegion,
    submitButton(t("mairie.signage.order")),
  );
  handleSubmit(form, alertRegion, {
    validate: ({ quantity }) => {
      const n = Number(quantity);
      return quantity && !(Number.isInteger(n) && n >= 1 && n <= 500) ? { quantity: t("mairie.signage.quantityInvalid") } : {};
    },
    submit: async (values) => {
      await onSubmit(values.target, {
        model: values.model,
        quantity: Number(values.quantity),
        delivery_address: values.delivery_address,
        subsidised: Boolean(values.subsidised),
        note: values.note || "",
      });
      form.reset();
      form.elements.namedItem("model").value = "";
      form.elements.namedItem("quantity").value = "1";
    },
  });
  return h("section", { class: "card", "aria-labelledby": "signage-order-title" }, h("h2", { id: "signage-order-title" }, t("mairie.signage.newOrder")), form);
}

/**
 * The list and the form, for staff or a referent: `listPath` reads the orders, `place(target,
 * body)` sends an order, `decisions` adds the staff's buttons.
 */
function ordersScreen(container, heading, { listPath, place, targets = null, decisions = null }) {
  const cached = cachedBanner(null);
  const message = statusRegion();
  const list = h("div", { class: "alert-list" });
  const problem = h("div", { role: "alert" });

  async function load() {
    try {
      const { data, cachedAt } = await apiRead(listPath);
      cachedBanner(cachedAt, cached);
      const done = (updated, text) => {
        announce(message, text, "success");
        load();
      };
      list.replaceChildren(...(data.length ? data.map((order) => orderCard(order, decisions ? decisions(order, done) : null)) : [h("p", {}, t("mairie.signage.empty"))]));
      problem.replaceChildren();
    } catch (err) {
      problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
    }
  }

  const form = orderForm(targets, async (target, body) => {
    await place(target, body);
    announce(message, t("mairie.signage.ordered"), "success");
    load();
  });
  mount(container, ...heading, cached, message, problem, h("section", { class: "home-section", "aria-labelledby": "signage-list-title" }, h("h2", { id: "signage-list-title" }, t("mairie.signage.orders")), list), form);
  load();
}

export function render(container, { query, title }) {
  const me = getMe();
  const referent = referentOf(me);
  if (!canUseMairie(me) && referent.length) {
    // A referent (of one community, the first if several) orders for it and follows the status.
    const membership = referent.find((m) => String(m.community_id) === query.quartier) || referent[0];
    ordersScreen(container, [h("h1", {}, t("mairie.signage.title")), h("p", { class: "lead" }, t("mairie.signage.referentIntro", { community: membership.community_name }))], {
      listPath: `/communities/${membership.community_id}/signage-orders`,
      place: (target, body) => api(`/communities/${membership.community_id}/signage-orders`, { method: "POST", body }),
    });
    return undefined;
  }
  if (!canUseMairie(me)) {
    container.append(...notice({ title: t(title), text: t("mairie.signage.notAllowed"), kind: "error", href: "#/", link: t("common.backHome") }));
    return undefined;
  }
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    const targets = [["", t("mairie.signage.forMairie")], ...commune.communities.map((c) => [String(c.id), c.name])];
    ordersScreen(container, [...staffHeading(t("mairie.signage.title"), commune), h("p", {}, t("mairie.signage.staffIntro"))], {
      listPath: communePath(commune.id, "/signage-orders"),
      targets,
      place: (target, body) => api(target ? `/communities/${target}/signage-orders` : communePath(commune.id, "/signage-orders"), { method: "POST", body }),
      decisions: (order, done) => decisionPart(commune, order, done),
    });
  });
}
