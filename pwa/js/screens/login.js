// #/connexion — log in with e-mail and password.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { formAlert, handleSubmit, inputField, passwordField, submitButton } from "../forms.js";
import { navigate, safeNext } from "../router.js";
import { startSession } from "../session.js";
import { card } from "../ui.js";

export function render(container, { query }) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "login-title" },
    inputField({ name: "email", label: t("fields.email"), type: "email", autocomplete: "email", inputmode: "email", autocapitalize: "none", spellcheck: "false" }),
    passwordField({ name: "password", label: t("fields.password") }),
    alertRegion,
    submitButton(t("login.submit")),
  );
  handleSubmit(form, alertRegion, {
    submit: async ({ email, password }) => {
      const me = await api("/auth/login", { method: "POST", body: { email, password } });
      await startSession(me);
      navigate(safeNext(query.next));
    },
  });
  container.append(
    h("h1", { id: "login-title" }, t("login.title")),
    h("p", { class: "lead" }, t("login.intro")),
    form,
    h("p", {}, h("a", { href: "#/mot-de-passe-oublie", class: "link-large" }, t("login.forgot"))),
    card(
      t("login.newHere"),
      h("p", {}, t("login.newHereText")),
      h("a", { href: "#/inscription", class: "button button--secondary button--block" }, t("login.signupLink")),
      h("p", {}, h("a", { href: "#/carte", class: "link-large" }, t("open.map.link"))),
      h("p", {}, h("a", { href: "#/chiffres", class: "link-large" }, t("open.stats.link"))),
    ),
    h("p", {}, h("a", { href: "#/adhesion-mairie", class: "link-large" }, t("login.mairieJoin"))),
    h("p", {}, h("a", { href: "#/confidentialite", class: "link-large" }, t("privacy.page.linkFromLogin"))),
  );
}
