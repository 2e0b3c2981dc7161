// #/reglages/mes-donnees — « Mes données »: download everything, correct it, delete the account.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { announce, checkboxField, formAlert, handleSubmit, inputField, passwordField, statusRegion, submitButton } from "../forms.js";
import { getMe, clearMe, setMe } from "../store.js";
import { purgeCachedData } from "../sw-client.js";
import { stopOutbox } from "../outbox.js";
import { stopPushOnThisDevice } from "../push-client.js";
import { card } from "../ui.js";

function downloadSection() {
  const link = (href, label) => h("a", { href, download: "", class: "button button--secondary button--block" }, label);
  return card(
    t("privacy.mine.downloadTitle"),
    h("p", {}, t("privacy.mine.downloadText")),
    link("/api/v1/privacy/export.html", t("privacy.mine.downloadHtml")),
    link("/api/v1/privacy/export", t("privacy.mine.downloadJson")),
  );
}

/** Name and phone: the only parts of the account no other screen corrects. */
function identityForm() {
  const me = getMe();
  const alertRegion = formAlert();
  const done = statusRegion();
  const form = h(
    "form",
    { class: "form" },
    inputField({ name: "first_name", label: t("fields.firstName"), autocomplete: "given-name", value: me.first_name, maxlength: 100 }),
    inputField({ name: "last_name", label: t("fields.lastName"), autocomplete: "family-name", value: me.last_name, maxlength: 100 }),
    inputField({ name: "phone", label: t("fields.phone"), type: "tel", autocomplete: "tel", inputmode: "tel", value: me.phone || "" }),
    alertRegion,
    submitButton(t("privacy.mine.fixSave"), "secondary"),
  );
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      announce(done, "");
      const fixed = await api("/privacy/identity", { method: "PUT", body: values });
      setMe({ ...getMe(), first_name: fixed.first_name, last_name: fixed.last_name, phone: fixed.phone });
      form.elements.namedItem("phone").value = fixed.phone;
      announce(done, t(fixed.sms_available ? "privacy.mine.fixSaved" : "privacy.mine.fixSavedNoSms"), "success");
    },
  });
  return [form, done];
}

function correctSection() {
  const links = [
    ["#/reglages", "privacy.mine.fixSettings"],
    ["#/quartiers", "privacy.mine.fixAddress"],
    ["#/profil", "privacy.mine.fixProfile"],
  ];
  return card(
    t("privacy.mine.fixTitle"),
    h("p", {}, t("privacy.mine.fixIdentity")),
    ...identityForm(),
    h("p", {}, t("privacy.mine.fixText")),
    h("ul", {}, links.map(([href, key]) => h("li", {}, h("a", { href, class: "link-large" }, t(key))))),
  );
}

/** After the deletion: the data kept on this device goes too, and the person reads when it happens. */
async function leave(container, answer) {
  stopOutbox();
  await stopPushOnThisDevice().catch(() => undefined);
  await purgeCachedData().catch(() => undefined);
  clearMe();
  container.replaceChildren(
    h("h1", { tabindex: "-1", id: "deleted-title" }, t("privacy.mine.deletedTitle")),
    h("p", { class: "banner banner--success", role: "status" }, t("privacy.mine.deletedText", { date: answer.erase_on })),
    h("p", {}, t("privacy.mine.deletedUndo")),
    h("a", { href: "#/connexion", class: "button button--secondary button--block" }, t("privacy.mine.backToLogin")),
  );
  document.getElementById("deleted-title").focus();
}

function deleteSection(container) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", hidden: true },
    h("p", { class: "banner banner--error" }, t("privacy.mine.confirmText")),
    checkboxField({ name: "understood", label: t("privacy.mine.understood") }),
    passwordField({ name: "password", label: t("privacy.mine.password") }),
    alertRegion,
    submitButton(t("privacy.mine.confirmDelete"), "alert"),
  );
  handleSubmit(form, alertRegion, {
    submit: async ({ understood, password }) => {
      if (!understood) {
        announce(alertRegion, t("privacy.mine.mustUnderstand"));
        form.querySelector("input[name=understood]").focus();
        return;
      }
      const answer = await api("/privacy/delete-account", { method: "POST", body: { password } });
      await leave(container, answer);
    },
  });
  const start = h("button", { type: "button", class: "button button--danger-outline button--block" }, t("privacy.mine.deleteStart"));
  start.addEventListener("click", () => {
    start.hidden = true;
    form.hidden = false;
    form.querySelector("input[name=understood]").focus();
  });
  return card(
    t("privacy.mine.deleteTitle"),
    h("p", {}, t("privacy.mine.deleteText")),
    h("ul", {}, ["deleteKept", "deleteRemoved", "deleteUndo"].map((key) => h("li", {}, t(`privacy.mine.${key}`)))),
    start,
    form,
  );
}

export function render(container) {
  const me = getMe();
  container.append(
    h("h1", {}, t("privacy.mine.title")),
    h("p", { class: "lead" }, t("privacy.mine.intro", { name: me.first_name })),
    downloadSection(),
    correctSection(),
    deleteSection(container),
    h("p", {}, h("a", { href: "#/confidentialite", class: "link-large" }, t("privacy.mine.policyLink"))),
  );
}
