// Form building blocks shared by the screens: labelled fields, error display, submission.
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";
import { ApiError, errorMessage } from "./api.js";

function describedBy(...ids) {
  return ids.filter(Boolean).join(" ") || null;
}

/** The parts every field has: label, optional hint, error slot; `control` is the input. */
function fieldShell({ id, label, hint, control, extra }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  control.id = id;
  const describe = describedBy(hintId);
  if (describe) control.setAttribute("aria-describedby", describe);
  control.dataset.errorId = errorId;
  control.dataset.hintId = hintId || "";
  return h(
    "div",
    { class: "field" },
    h("label", { for: id, class: "field-label" }, label),
    hint ? h("p", { id: hintId, class: "field-hint" }, hint) : null,
    h("p", { id: errorId, class: "field-error", hidden: true }),
    extra ? h("div", { class: "field-row" }, control, extra) : control,
  );
}

/**
 * A labelled <input>. Options: name, label, type, hint, autocomplete, inputmode, required
 * (default true), and any other attribute (maxlength, autocapitalize, …).
 */
export function inputField({ name, label, hint, type = "text", required = true, ...attrs }) {
  const id = uid(name);
  const input = h("input", { name, type, required, class: "input", ...attrs });
  return fieldShell({ id, label, hint, control: input });
}

/** A password input with a "Show" toggle, so typing mistakes can be seen. */
export function passwordField({ name, label, hint, autocomplete = "current-password" }) {
  const id = uid(name);
  const input = h("input", { name, type: "password", required: true, class: "input", autocomplete, spellcheck: "false" });
  const toggle = h("button", { type: "button", class: "button button--small button--secondary", "aria-controls": id }, t("common.showPassword"));
  toggle.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    toggle.textContent = t(show ? "common.hidePassword" : "common.showPassword");
  });
  return fieldShell({ id, label, hint, control: input, extra: toggle });
}

/** A labelled <select>; options is a list of [value, text]. */
export function selectField({ name, label, hint, options, value, ...attrs }) {
  const id = uid(name);
  const select = h(
    "select",
    { name, class: "input", required: true, ...attrs },
    options.map(([optionValue, text]) => h("option", { value: optionValue, selected: optionValue === value }, text)),
  );
  return fieldShell({ id, label, hint, control: select });
}

/** A labelled <textarea> (several lines of text). */
export function textareaField({ name, label, hint, required = true, rows = 5, ...attrs }) {
  const id = uid(name);
  const textarea = h("textarea", { name, required, rows: String(rows), class: "input input--area", ...attrs });
  return fieldShell({ id, label, hint, control: textarea });
}

/**
 * The inside of a big tappable choice: the input, its title (the accessible name) and an
 * optional detail line (its description).
 */
function choiceContent(input, label, detail) {
  const id = uid("choice");
  input.setAttribute("aria-labelledby", `${id}-title`);
  if (detail) input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), `${id}-detail`].filter(Boolean).join(" "));
  return [
    input,
    h("span", {}, h("span", { id: `${id}-title`, class: "choice-title" }, label), detail ? h("span", { id: `${id}-detail`, class: "choice-detail" }, detail) : null),
  ];
}

/** A big checkbox with its label (and an optional detail line) inside one tappable box. */
export function checkboxField({ name, label, detail, checked = false, ...attrs }) {
  return h("label", { class: "choice" }, choiceContent(h("input", { type: "checkbox", name, checked, ...attrs }), label, detail));
}

/**
 * Large radio choices; the chosen value travels in a hidden input `name` (which carries the
 * field's error), so the usual required/error handling applies. choices: [{value, label, detail, className}].
 */
export function choiceGroup({ name, legend, hint, choices, required = true, className = null }) {
  const id = uid(name);
  const chosen = h("input", { type: "hidden", name, value: "", required });
  chosen.dataset.errorId = `${id}-error`;
  chosen.dataset.focusId = `${id}-0`;
  const options = choices.map((choice, index) => {
    const radio = h("input", {
      type: "radio",
      id: `${id}-${index}`,
      name: `${name}_choice`,
      value: choice.value,
      "data-clears": name,
      "aria-describedby": hint ? `${id}-hint` : null,
      onchange: () => {
        chosen.value = choice.value;
      },
    });
    return h("label", { class: ["choice", choice.className] }, choiceContent(radio, choice.label, choice.detail));
  });
  return h(
    "fieldset",
    { class: ["choices", className] },
    h("legend", {}, legend),
    hint ? h("p", { id: `${id}-hint`, class: "field-hint" }, hint) : null,
    h("p", { id: `${id}-error`, class: "field-error", hidden: true }),
    chosen,
    options,
  );
}

/** The live region where a form's server errors are read out (role="alert"). */
export function formAlert() {
  return h("div", { class: "form-alert", role: "alert", "aria-live": "assertive" });
}

/** A polite live region for confirmations. */
export function statusRegion() {
  return h("div", { class: "form-status", role: "status", "aria-live": "polite" });
}

/** Show text in a live region styled as a banner (kind: "error" or "success"); "" empties it. */
export function announce(region, text, kind = "error") {
  region.replaceChildren();
  if (!text) return;
  region.appendChild(h("p", { class: `banner banner--${kind}` }, text));
  region.scrollIntoView({ block: "nearest" });
}

/** Mark one field of the form invalid with a message, or clear it (message = ""). */
export function setFieldError(form, name, message) {
  const control = form.elements.namedItem(name);
  if (!control || !control.dataset) return false;
  const error = form.querySelector(`#${CSS.escape(control.dataset.errorId)}`);
  if (!error) return false;
  error.textContent = message || "";
  error.hidden = !message;
  if (message) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
  const ids = describedBy(message ? error.id : null, control.dataset.hintId);
  if (ids) control.setAttribute("aria-describedby", ids);
  else control.removeAttribute("aria-describedby");
  return true;
}

function clearErrors(form, alertRegion) {
  for (const control of form.elements) {
    if (control.name && control.dataset.errorId) setFieldError(form, control.name, "");
  }
  announce(alertRegion, "");
}

/** The form's values as an object; text is trimmed, passwords are kept as typed. */
export function formValues(form) {
  const values = {};
  for (const control of form.elements) {
    if (!control.name || control.disabled) continue;
    if ((control.type === "radio" || control.type === "checkbox") && !control.checked) continue;
    values[control.name] = control.type === "password" ? control.value : control.value.trim();
  }
  return values;
}

function requiredErrors(form, values) {
  const errors = {};
  for (const control of form.elements) {
    if (control.required && control.name && !values[control.name]) errors[control.name] = t("common.required");
  }
  return errors;
}

/** Field errors that the server sent as Litestar validation "extra": [{key, message}]. */
function serverFieldErrors(err) {
  const errors = {};
  if (err instanceof ApiError && Array.isArray(err.extra)) {
    for (const item of err.extra) if (item && item.key) errors[item.key] = item.message || "";
  }
  return errors;
}

function showErrors(form, alertRegion, errors, summary) {
  let first = null;
  for (const [name, message] of Object.entries(errors)) {
    if (setFieldError(form, name, message) && !first) first = form.elements.namedItem(name);
  }
  announce(alertRegion, summary);
  // A hidden value (e.g. the chosen community) names the visible control to focus instead.
  const target = first && first.dataset.focusId ? document.getElementById(first.dataset.focusId) : first;
  if (target && typeof target.focus === "function") target.focus();
}

/**
 * Wire a form: on submit, check required fields and validate(values) → {name: message},
 * then await submit(values). Server errors go to alertRegion, next to the submit button.
 */
export function handleSubmit(form, alertRegion, { validate = () => ({}), submit }) {
  form.noValidate = true;
  // Editing a field takes its error away; data-clears names the field a helper control fixes.
  const clearOnEdit = (event) => {
    const name = event.target.dataset.clears || event.target.name;
    if (name) setFieldError(form, name, "");
    if (!form.querySelector("[aria-invalid=true]")) announce(alertRegion, "");
  };
  form.addEventListener("input", clearOnEdit);
  form.addEventListener("change", clearOnEdit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, alertRegion);
    const values = formValues(form);
    const errors = { ...requiredErrors(form, values), ...validate(values) };
    if (Object.keys(errors).length) {
      showErrors(form, alertRegion, errors, t("common.fixErrors"));
      return;
    }
    const buttons = form.querySelectorAll("button[type=submit]");
    form.setAttribute("aria-busy", "true");
    buttons.forEach((b) => (b.disabled = true));
    try {
      await submit(values);
    } catch (err) {
      if (!(err instanceof ApiError)) console.error(err);
      showErrors(form, alertRegion, serverFieldErrors(err), errorMessage(err));
    } finally {
      form.removeAttribute("aria-busy");
      buttons.forEach((b) => (b.disabled = false));
    }
  });
  return form;
}

/** The password rules shown under every new-password field. */
export function newPasswordField(name, label) {
  return passwordField({ name, label, hint: t("common.passwordRules"), autocomplete: "new-password" });
}

/** Client-side copy of the server's password rule (≥ 10 characters). */
export function passwordProblem(password) {
  return password && password.length < 10 ? t("common.passwordTooShort") : "";
}

/** A big submit button. */
export function submitButton(label, variant = "primary") {
  return h("button", { type: "submit", class: `button button--${variant} button--block` }, label);
}
