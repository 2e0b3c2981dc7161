// #/reglages — language, notifications and devices, offline use, account, password, logout.
import { h } from "../dom.js";
import { t, getLang, setLanguage, LANGUAGES } from "../i18n.js";
import { api } from "../api.js";
import { announce, formAlert, handleSubmit, newPasswordField, passwordField, passwordProblem, statusRegion, submitButton } from "../forms.js";
import { getMe } from "../store.js";
import { card } from "../ui.js";
import { navigate } from "../router.js";
import { logout } from "../session.js";
import { devicesSection, offlineSection, preferencesSection } from "./settings-notifications.js";

/** The language of this device, saved to the account too (User.locale): the member's e-mails,
 * SMS, push notifications, letters and the server's messages follow it. */
async function chooseLanguage(code) {
  await setLanguage(code);
  try {
    await api("/auth/locale", { method: "PUT", body: { locale: code } });
  } catch (err) {
    console.warn("language not saved to the account", err); // offline: the next choice saves it
  }
}

function languageSection() {
  const current = getLang();
  const choices = LANGUAGES.map((code) =>
    h(
      "label",
      { class: "choice", lang: code },
      h("input", {
        type: "radio",
        name: "language",
        value: code,
        checked: code === current,
        onchange: () => chooseLanguage(code),
      }),
      h("span", {}, t(`settings.languages.${code}`)),
    ),
  );
  return card(
    t("settings.languageTitle"),
    h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, t("settings.languageTitle")), choices),
  );
}

function accountSection(me) {
  return card(
    t("settings.accountTitle"),
    h("dl", { class: "facts" },
      h("dt", {}, t("settings.name")), h("dd", {}, `${me.first_name} ${me.last_name}`),
      h("dt", {}, t("fields.email")), h("dd", {}, me.email),
    ),
  );
}

function myDataSection() {
  return card(t("privacy.mine.title"), h("p", {}, t("privacy.mine.settingsText")),
    h("a", { href: "#/reglages/mes-donnees", class: "button button--secondary button--block" }, t("privacy.mine.settingsLink")));
}

function communitiesSection() {
  return card(t("settings.communitiesTitle"), h("p", {}, t("settings.communitiesText")),
    h("a", { href: "#/quartiers", class: "button button--secondary button--block" }, t("settings.communitiesLink")));
}

function passwordSection(me) {
  const alertRegion = formAlert();
  const done = statusRegion();
  const form = h(
    "form",
    { class: "form" },
    // Lets password managers file the new password under the right account.
    h("input", { type: "email", autocomplete: "username", value: me.email, hidden: true, readonly: true, tabindex: "-1" }),
    passwordField({ name: "current_password", label: t("settings.currentPassword") }),
    newPasswordField("new_password", t("settings.newPassword")),
    alertRegion,
    submitButton(t("settings.changePassword"), "secondary"),
  );
  handleSubmit(form, alertRegion, {
    validate: ({ new_password }) => (passwordProblem(new_password) ? { new_password: passwordProblem(new_password) } : {}),
    submit: async ({ current_password, new_password }) => {
      announce(done, "");
      await api("/auth/password", { method: "POST", body: { current_password, new_password } });
      form.reset();
      announce(done, t("settings.passwordChanged"), "success");
    },
  });
  return card(t("settings.passwordTitle"), form, done);
}

function logoutSection() {
  const button = h("button", { type: "button", class: "button button--danger-outline button--block" }, t("settings.logout"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    await logout();
    navigate("/connexion");
  });
  return card(t("settings.logoutTitle"), h("p", {}, t("settings.logoutText")), button);
}

export function render(container) {
  const me = getMe();
  container.append(
    h("h1", {}, t("settings.title")),
    languageSection(),
    preferencesSection(me),
    devicesSection(),
    offlineSection(me),
    accountSection(me),
    communitiesSection(),
    passwordSection(me),
    myDataSection(),
    logoutSection(),
  );
}
