// #/mot-de-passe-oublie — ask for a password-reset e-mail (the answer never says if the account exists).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "../forms.js";

export function render(container) {
  const alertRegion = formAlert();
  const done = statusRegion();
  const form = h(
    "form",
    { class: "form" },
    inputField({ name: "email", label: t("fields.email"), type: "email", autocomplete: "email", inputmode: "email", autocapitalize: "none", spellcheck: "false" }),
    alertRegion,
    submitButton(t("forgot.submit")),
  );
  handleSubmit(form, alertRegion, {
    submit: async ({ email }) => {
      await api("/auth/password-reset", { method: "POST", body: { email } });
      form.hidden = true;
      announce(done, t("forgot.sent", { email }), "success");
    },
  });
  container.append(
    h("h1", {}, t("forgot.title")),
    h("p", { class: "lead" }, t("forgot.intro")),
    form,
    done,
    h("p", {}, h("a", { href: "#/connexion", class: "link-large" }, t("common.backToLogin"))),
  );
}
