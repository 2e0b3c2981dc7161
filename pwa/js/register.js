// The register of fragile people: form pieces shared by the resident's screen (a relative) and the
// staff's (a paper form).
import { t } from "./i18n.js";
import { inputField } from "./forms.js";

/** Identity of someone registered by another person: first and last name, address, phone. */
export function personFields() {
  return [
    inputField({ name: "first_name", label: t("register.relative.firstName"), maxlength: "100", autocomplete: "off" }),
    inputField({ name: "last_name", label: t("register.relative.lastName"), maxlength: "100", autocomplete: "off" }),
    inputField({ name: "address", label: t("register.relative.address"), maxlength: "300", autocomplete: "off" }),
    inputField({ name: "phone", label: t("register.relative.phone"), type: "tel", maxlength: "20", autocomplete: "off" }),
  ];
}

/** A contact's number that is not French or Belgian (E.164 as the API gives it): never texted,
 *  whether mobile or not — the mairie calls it, and the screens say why. */
export function foreignNumber(phone) {
  return !/^\+3[23]/.test(phone || "");
}
