// #/reinitialiser?token=… — choose a new password with the token from the reset e-mail.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { notice } from "../ui.js";
import { formAlert, handleSubmit, newPasswordField, passwordProblem, submitButton } from "../forms.js";

function finished(container) {
  container.replaceChildren(...notice({ title: t("reset.doneTitle"), text: t("reset.done"), kind: "success", href: "#/connexion", link: t("reset.toLogin") }));
  const heading = container.querySelector("h1");
  heading.setAttribute("tabindex", "-1");
  heading.focus();
}

export function render(container, { query }) {
  const token = query.token || "";
  if (!token) {
    container.append(...notice({ title: t("reset.title"), text: t("reset.noToken"), kind: "error", href: "#/mot-de-passe-oublie", link: t("reset.askAgain") }));
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
