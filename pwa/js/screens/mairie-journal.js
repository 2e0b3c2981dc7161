// #/admin/journal — admins: the audit log of staff and moderator actions, filtered by kind of
// action, person and commune, exported as CSV; and the monthly SMS budget of each commune.
import { h, mount } from "../dom.js";
import { hasKey, t } from "../i18n.js";
import { monthInWords } from "../time.js";
import { api, apiRead, errorMessage } from "../api.js";
import { formAlert, handleSubmit, inputField, selectField, submitButton } from "../forms.js";
import { navigate } from "../router.js";
import { cachedBanner } from "../ui.js";
import { when } from "../mairie.js";
import { communePath, csvLink, savingForm, staffScreen } from "../mairie-staff.js";

const ACTION_PREFIXES = ["broadcast", "safety_check", "alert", "police_contact", "sms_budget", "signage", "moderation", "role"];
const PAGE_SIZE = 50;

function actionLabel(action) {
  const key = `mairie.journal.actions.${action.replace(".", "_")}`;
  return hasKey(key) ? t(key) : action;
}

function filtersOf(query) {
  const filters = {};
  if (ACTION_PREFIXES.includes(query.action)) filters.action = query.action;
  if (/^\d+$/.test(query.actor || "")) filters.actor = query.actor;
  if (/^\d+$/.test(query.commune || "")) filters.commune = query.commune;
  return filters;
}

function filterForm(communes, filters) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "journal-filters-title" },
    h("h2", { id: "journal-filters-title" }, t("mairie.journal.filters")),
    selectField({ name: "action", label: t("mairie.journal.action"), required: false, value: filters.action || "", options: [["", t("mairie.journal.allActions")], ...ACTION_PREFIXES.map((p) => [p, t(`mairie.journal.prefixes.${p}`)])] }),
    inputField({ name: "actor", label: t("mairie.journal.actor"), hint: t("mairie.journal.actorHint"), required: false, inputmode: "numeric", pattern: "[0-9]*", autocomplete: "off", value: filters.actor || "" }),
    selectField({ name: "commune", label: t("mairie.journal.commune"), required: false, value: filters.commune || "", options: [["", t("mairie.journal.allCommunes")], ...communes.map((c) => [String(c.id), c.name])] }),
    alertRegion,
    submitButton(t("mairie.journal.apply"), "secondary"),
  );
  handleSubmit(form, alertRegion, {
    validate: ({ actor }) => (actor && !/^\d+$/.test(actor) ? { actor: t("mairie.referents.userIdInvalid") } : {}),
    submit: async (values) => {
      const params = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
      navigate(`/admin/journal${params.toString() ? `?${params}` : ""}`);
    },
  });
  return form;
}

function detailsText(details) {
  return Object.entries(details || {})
    .map(([key, value]) => `${key} : ${typeof value === "object" && value !== null ? JSON.stringify(value) : value}`)
    .join(" · ");
}

function entryItem(entry, communeNames) {
  return h(
    "li",
    { class: "mairie-journal-entry", "data-audit-id": String(entry.id) },
    h("p", { class: "alert-card-kicker" }, actionLabel(entry.action)),
    h("p", {}, h("strong", {}, entry.actor_name || t("mairie.journal.commandLine")), entry.actor_id ? ` (${t("mairie.journal.accountNo", { id: entry.actor_id })})` : "", " — ", entry.target),
    h("p", { class: "alert-card-meta" }, when(entry.created_at), entry.commune_id ? ` · ${communeNames.get(entry.commune_id) || `#${entry.commune_id}`}` : ""),
    Object.keys(entry.details || {}).length ? h("p", { class: "mairie-journal-details" }, detailsText(entry.details)) : null,
  );
}

/** Each commune's SMS budget for this month, with a field to change it. */
function budgetRow(commune) {
  const state = h("p", {}, t("common.loading"));
  const field = inputField({ name: "monthly_budget", label: t("mairie.budget.label", { commune: commune.name }), hint: t("mairie.budget.hint"), type: "number", min: "0", inputmode: "numeric" });
  const show = (budget) => {
    const words = monthInWords(budget.month);
    const month = words.charAt(0).toUpperCase() + words.slice(1); // it starts the sentence
    state.textContent = budget.monthly_budget
      ? t("mairie.budget.state", { used: budget.used, budget: budget.monthly_budget, remaining: budget.remaining, month })
      : t("mairie.budget.unlimited", { used: budget.used, month });
    field.querySelector("input").value = String(budget.monthly_budget);
  };
  const form = savingForm(field, t("mairie.budget.save"), {
    validate: ({ monthly_budget: value }) => (/^\d+$/.test(value) ? {} : { monthly_budget: t("mairie.budget.invalid") }),
    save: async ({ monthly_budget: value }) => {
      show(await api(communePath(commune.id, "/sms-budget"), { method: "PUT", body: { monthly_budget: Number(value) } }));
      return t("mairie.budget.saved");
    },
  });
  apiRead(communePath(commune.id, "/sms-budget"))
    .then(({ data }) => show(data))
    .catch((err) => (state.textContent = errorMessage(err)));
  return h("li", { class: "card mairie-budget-row", "data-commune-id": String(commune.id) }, h("h3", {}, commune.name), state, form);
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query, adminOnly: true }, ({ communes }) => {
    const filters = filtersOf(query);
    const communeNames = new Map(communes.map((c) => [c.id, c.name]));
    const cached = cachedBanner(null);
    const list = h("ul", { class: "plain-list mairie-journal" });
    const empty = h("p", { class: "lead", hidden: true }, t("mairie.journal.empty"));
    const problem = h("div", { role: "alert" });
    const more = h("button", { type: "button", class: "button button--secondary button--block", hidden: true }, t("mairie.journal.more"));
    const params = new URLSearchParams(filters);
    let nextBefore = null;

    async function load(before = null) {
      more.disabled = true;
      const page = new URLSearchParams(params);
      page.set("limit", String(PAGE_SIZE));
      if (before) page.set("before", String(before));
      try {
        const { data, cachedAt } = await apiRead(`/audit?${page}`);
        if (!before) cachedBanner(cachedAt, cached);
        list.append(...data.items.map((entry) => entryItem(entry, communeNames)));
        nextBefore = data.next_before;
        more.hidden = nextBefore === null;
        empty.hidden = list.children.length > 0;
        problem.replaceChildren();
      } catch (err) {
        problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
      } finally {
        more.disabled = false;
      }
    }

    more.addEventListener("click", () => load(nextBefore));
    const query_ = params.toString();
    mount(
      container,
      h("h1", {}, t("mairie.journal.title")),
      h("p", { class: "lead" }, t("mairie.journal.intro")),
      filterForm(communes, filters),
      h(
        "section",
        { class: "home-section", "aria-labelledby": "journal-title" },
        h("h2", { id: "journal-title" }, t("mairie.journal.entries")),
        h("div", { class: "button-row" }, csvLink(`/audit.csv${query_ ? `?${query_}` : ""}`, t("mairie.journal.csv"))),
        cached,
        problem,
        list,
        empty,
        more,
      ),
      h(
        "section",
        { class: "home-section", "aria-labelledby": "budget-title" },
        h("h2", { id: "budget-title" }, t("mairie.budget.title")),
        h("p", {}, t("mairie.budget.intro")),
        h("ul", { class: "plain-list" }, communes.map(budgetRow)),
      ),
    );
    load();
    return undefined;
  });
}
