// #/reinitialiser?token=… — choose a new password with the token from the reset e-mail.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { formAlert, handleSubmit, newPasswordField, passwordProblem, submitButton } from "../forms.js";

function finished(container) {
  container.replaceChildren(
    h("h1", { tabindex: "-1" }, t("reset.doneTitle")),
    h("p", { class: "banner banner--success", role: "status" }, t("reset.done")),
    h("a", { href: "#/connexion", class: "button button--primary button--block" }, t("reset.toLogin")),
  );
  container.querySelector("h1").focus();
}

export function render(container, { query }) {
  const token = query.token || "";
  if (!token) {
    container.append(
      h("h1", {}, t("reset.title")),
      h("p", { class: "banner banner--error" }, t("reset.noToken")),
      h("a", { href: "#/mot-de-passe-oublie", class: "button button--primary button--block" }, t("reset.askAgain")),
    );
    return;
  }
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form" },
    newPasswordField("new_password", t("settings.newPassword")),
    alertRegion,
    submitButton(t("reset.submit")),
  );
  handleSubmit(form, alertRegion, {
    validate: ({ new_password }) => (passwordProblem(new_password) ? { new_password: passwordProblem(new_password) } : {}),
    submit: async ({ new_password }) => {
      await api("/auth/password-reset/confirm", { method: "POST", body: { token, new_password } });
      finished(container);
    },
  });
  container.append(h("h1", {}, t("reset.title")), h("p", { class: "lead" }, t("reset.intro")), form);
}
