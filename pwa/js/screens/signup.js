// #/inscription — create an account (POST /auth/signup) and ask for the activation letter.
import { h } from "../dom.js";
import { t, getLang } from "../i18n.js";
import { api } from "../api.js";
import { checkboxField, formAlert, handleSubmit, inputField, newPasswordField, passwordProblem, selectField, submitButton } from "../forms.js";
import { communityPicker, idFromInput } from "../community-picker.js";
import { navigate } from "../router.js";
import { startSession } from "../session.js";

const POSTAL_CODE = { FR: /^\d{5}$/, BE: /^\d{4}$/ };
const COUNTRY_PREFIX = { FR: "+33", BE: "+32" };

/** "06 12 34 56 78" in France → "+33612345678" (E.164, as the API wants). */
export function toE164(phone, country) {
  let number = phone.replace(/[\s.\-()/]/g, "");
  if (number.startsWith("00")) number = `+${number.slice(2)}`;
  if (!number.startsWith("+") && number.startsWith("0")) number = `${COUNTRY_PREFIX[country] || "+33"}${number.slice(1)}`;
  return number;
}

function validate(values) {
  const errors = {};
  if (values.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) errors.email = t("signup.emailInvalid");
  if (values.phone && !/^\+\d{8,15}$/.test(toE164(values.phone, values.country))) errors.phone = t("signup.phoneInvalid");
  const postal = POSTAL_CODE[values.country];
  if (values.postal_code && postal && !postal.test(values.postal_code)) errors.postal_code = t(`signup.postalInvalid${values.country}`);
  const password = passwordProblem(values.password);
  if (password) errors.password = password;
  if (!values.community_id) errors.community_id = t("picker.required");
  return errors;
}

function section(titleKey, introKey, ...fields) {
  return h("fieldset", { class: "form-section" }, h("legend", {}, t(titleKey)), introKey ? h("p", { class: "field-hint" }, t(introKey)) : null, fields);
}

/** After a sign-up that could not log in: what to do next (the mail we sent says it too). */
function showReceived(container) {
  const title = h("h1", { id: "signup-title", tabindex: "-1" }, t("signup.receivedTitle"));
  container.replaceChildren(
    title,
    h("p", { class: "lead", role: "status" }, t("signup.receivedText")),
    h("a", { href: "#/connexion", class: "button button--block" }, t("signup.loginLink")),
    h("p", {}, h("a", { href: "#/mot-de-passe-oublie", class: "link-large" }, t("login.forgot"))),
  );
  title.focus();
}

export function render(container, { query = {} } = {}) {
  const picker = communityPicker({ country: () => form.querySelector("select[name=country]")?.value || "" });
  const alertRegion = formAlert();
  const postalCode = inputField({ name: "postal_code", label: t("fields.postalCode"), autocomplete: "postal-code", inputmode: "numeric", maxlength: "5" });
  postalCode.querySelector("input").addEventListener("change", (event) => {
    const value = event.target.value.trim();
    if (/^\d{4,5}$/.test(value)) picker.suggest(value);
  });
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "signup-title" },
    section(
      "signup.sectionYou",
      null,
      inputField({ name: "first_name", label: t("fields.firstName"), autocomplete: "given-name" }),
      inputField({ name: "last_name", label: t("fields.lastName"), autocomplete: "family-name" }),
    ),
    section(
      "signup.sectionContact",
      null,
      inputField({ name: "email", label: t("fields.email"), type: "email", autocomplete: "email", inputmode: "email", autocapitalize: "none", spellcheck: "false" }),
      inputField({ name: "phone", label: t("fields.phone"), type: "tel", autocomplete: "tel", inputmode: "tel", hint: t("signup.phoneHint") }),
      checkboxField({ name: "sms", label: t("signup.smsLabel"), detail: t("signup.smsDetail"), checked: true }),
    ),
    section(
      "signup.sectionAddress",
      "signup.addressWhy",
      inputField({ name: "address_line1", label: t("fields.address"), autocomplete: "address-line1", hint: t("signup.addressHint") }),
      inputField({ name: "address_line2", label: t("fields.address2"), autocomplete: "address-line2", required: false, hint: t("signup.address2Hint") }),
      postalCode,
      inputField({ name: "city", label: t("fields.city"), autocomplete: "address-level2" }),
      selectField({ name: "country", label: t("fields.country"), autocomplete: "country", value: "FR", options: [["FR", t("countries.FR")], ["BE", t("countries.BE")]] }),
    ),
    section("signup.sectionCommunity", "signup.communityWhy", picker.element),
    section("signup.sectionPassword", null, newPasswordField("password", t("fields.password"))),
    alertRegion,
    submitButton(t("signup.submit")),
  );
  handleSubmit(form, alertRegion, {
    validate,
    submit: async (values) => {
      const body = {
        first_name: values.first_name,
        last_name: values.last_name,
        email: values.email,
        phone: values.phone, // the server reads it in the country chosen below (phonenumbers) and stores E.164
        sms: Boolean(values.sms),
        address_line1: values.address_line1,
        address_line2: values.address_line2 || "",
        postal_code: values.postal_code,
        city: values.city,
        country: values.country,
        password: values.password,
        community_id: idFromInput(values.community_id),
        locale: getLang(),
      };
      // The answer is the same whether the address is new or already has an account (it must not
      // tell); a new account then logs in with the password just chosen.
      await api("/auth/signup", { method: "POST", body });
      let me = null;
      try {
        me = await api("/auth/login", { method: "POST", body: { email: body.email, password: body.password } });
      } catch {
        me = null; // an address that already had an account, or offline: the mail says what to do
      }
      if (me) {
        await startSession(me);
        navigate("/");
        return;
      }
      showReceived(container);
    },
  });
  // The neighbourhoods proposed are those of the address's country: search again when it changes.
  form.querySelector("select[name=country]").addEventListener("change", () => picker.refresh());
  if (query.commune) {
    // From a commune's entry on the public map (#/carte): its name in « Ville », its neighbourhoods proposed.
    form.querySelector('input[name="city"]').value = query.commune;
    picker.suggest(query.commune);
  }
  container.append(
    h("h1", { id: "signup-title" }, t("signup.title")),
    h("p", { class: "lead" }, t("signup.intro")),
    h("p", {}, t("signup.allRequired")),
    form,
    h("p", {}, t("signup.haveAccount"), " ", h("a", { href: "#/connexion", class: "link-large" }, t("signup.loginLink"))),
  );
  return () => picker.destroy();
}
