// #/adhesion-mairie — « Mairie vigilante et solidaire »: a mairie applies without an account
// (POST /mairie-applications): its commune picked from the official list (by INSEE code), its
// contact, its agents.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { notice } from "../ui.js";
import { formAlert, handleSubmit, inputField, submitButton, textareaField } from "../forms.js";
import { communityPicker } from "../community-picker.js";
import { fromCommuneKey } from "../commune-finder.js";

const MAX_AGENTS = 10;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function section(title, hint, ...fields) {
  return h("fieldset", { class: "form-section" }, h("legend", {}, title), hint ? h("p", { class: "field-hint" }, hint) : null, fields);
}

/** One agent's three fields, named agent_<field>_<n>. */
function agentRow(n, onRemove) {
  const remove = n > 1 ? h("button", { type: "button", class: "button button--secondary button--small", onclick: onRemove }, t("partnership.apply.removeAgent", { n })) : null;
  return h(
    "fieldset",
    { class: "form-section agent-row", "data-agent": String(n) },
    h("legend", {}, t("partnership.apply.agent", { n })),
    inputField({ name: `agent_first_name_${n}`, label: t("partnership.apply.agentFirstName"), autocomplete: "off" }),
    inputField({ name: `agent_last_name_${n}`, label: t("partnership.apply.agentLastName"), autocomplete: "off" }),
    inputField({ name: `agent_email_${n}`, label: t("partnership.apply.agentEmail"), type: "email", inputmode: "email", autocapitalize: "none", spellcheck: "false", autocomplete: "off" }),
    remove,
  );
}

function agentsOf(values) {
  const agents = [];
  for (let n = 1; n <= MAX_AGENTS; n += 1) {
    if (values[`agent_email_${n}`] === undefined) continue;
    agents.push({ first_name: values[`agent_first_name_${n}`], last_name: values[`agent_last_name_${n}`], email: values[`agent_email_${n}`] });
  }
  return agents;
}

function validate(values) {
  const errors = {};
  if (!values.insee_code) errors.insee_code = t("communePicker.required");
  for (const [name, value] of Object.entries(values)) {
    if ((name === "contact_email" || name.startsWith("agent_email_")) && value && !EMAIL.test(value)) errors[name] = t("partnership.apply.emailInvalid");
  }
  return errors;
}

function showSent(container, commune) {
  container.replaceChildren(...notice({ title: t("partnership.apply.sentTitle"), text: t("partnership.apply.sent", { commune }), kind: "success", href: "#/connexion", link: t("common.backHome") }));
  const heading = container.querySelector("h1");
  heading.setAttribute("tabindex", "-1");
  heading.focus();
}

export function render(container) {
  const picker = communityPicker({ name: "insee_code", kind: "commune" });
  const alertRegion = formAlert();
  const agents = h("div", { class: "agents" });
  let next = 1;
  const addAgent = h("button", { type: "button", class: "button button--secondary" }, t("partnership.apply.addAgent"));
  function add() {
    const n = next;
    next += 1;
    const row = agentRow(n, () => {
      row.remove();
      addAgent.hidden = false;
      addAgent.focus();
    });
    agents.append(row);
    addAgent.hidden = agents.children.length >= MAX_AGENTS;
    return row;
  }
  addAgent.addEventListener("click", () => add().querySelector("input").focus());
  add();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "application-title" },
    section(t("partnership.apply.communeSection"), null, picker.element),
    section(
      t("partnership.apply.contactSection"),
      null,
      inputField({ name: "contact_name", label: t("partnership.apply.contactName"), autocomplete: "name" }),
      inputField({ name: "contact_role", label: t("partnership.apply.contactRole"), hint: t("partnership.apply.contactRoleHint"), autocomplete: "organization-title" }),
      inputField({ name: "contact_email", label: t("partnership.apply.contactEmail"), type: "email", autocomplete: "email", inputmode: "email", autocapitalize: "none", spellcheck: "false" }),
      inputField({ name: "contact_phone", label: t("partnership.apply.contactPhone"), type: "tel", autocomplete: "tel", inputmode: "tel" }),
    ),
    section(t("partnership.apply.agentsSection"), t("partnership.apply.agentsHint"), agents, addAgent),
    textareaField({ name: "message", label: t("partnership.apply.message"), required: false, maxlength: "2000", rows: 4 }),
    alertRegion,
    submitButton(t("partnership.apply.submit")),
  );
  handleSubmit(form, alertRegion, {
    validate,
    submit: async (values) => {
      const receipt = await api("/mairie-applications", {
        method: "POST",
        body: {
          ...fromCommuneKey(values.insee_code), // {country, insee_code}
          contact_name: values.contact_name,
          contact_role: values.contact_role,
          contact_email: values.contact_email,
          contact_phone: values.contact_phone,
          agents: agentsOf(values),
          message: values.message || "",
        },
      });
      showSent(container, receipt.commune_name);
    },
  });
  container.append(h("h1", { id: "application-title" }, t("partnership.apply.title")), h("p", { class: "lead" }, t("partnership.apply.intro")), form);
  return () => picker.destroy();
}
