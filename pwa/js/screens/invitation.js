// #/invitation?jeton=… — an approved mairie agent chooses their password (the link of their e-mail).
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { notice } from "../ui.js";
import { formAlert, handleSubmit, newPasswordField, passwordProblem, submitButton } from "../forms.js";

function focusTitle(container) {
  const heading = container.querySelector("h1");
  heading.setAttribute("tabindex", "-1");
  heading.focus();
}

export function render(container, { query, title }) {
  const token = query.jeton || "";
  if (!token) {
    container.append(...notice({ title: t(title), text: t("partnership.invitation.noToken"), kind: "error", href: "#/connexion", link: t("partnership.invitation.toLogin") }));
    return;
  }
  mount(container, h("h1", {}, t(title)), h("p", { class: "loading" }, t("common.loading")));
  api("/invitations/check", { method: "POST", body: { token } })
    .then((who) => {
      const alertRegion = formAlert();
      const form = h("form", { class: "form" }, newPasswordField("password", t("fields.password")), alertRegion, submitButton(t("partnership.invitation.submit")));
      handleSubmit(form, alertRegion, {
        validate: ({ password }) => (passwordProblem(password) ? { password: passwordProblem(password) } : {}),
        submit: async ({ password }) => {
          await api("/invitations/accept", { method: "POST", body: { token, password } });
          container.replaceChildren(...notice({ title: t("partnership.invitation.doneTitle"), text: t("partnership.invitation.done"), kind: "success", href: "#/connexion", link: t("partnership.invitation.toLogin") }));
          focusTitle(container);
        },
      });
      mount(container, h("h1", {}, t(title)), h("p", { class: "lead" }, t("partnership.invitation.hello", { name: who.first_name, commune: who.commune_name, email: who.email })), form);
    })
    .catch((err) => {
      container.replaceChildren(...notice({ title: t(title), text: errorMessage(err), kind: "error", href: "#/connexion", link: t("partnership.invitation.toLogin") }));
    });
}
