// #/admin/communes — admins: add a commune, appoint a moderator by name (anyone on the platform).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { getMe } from "../store.js";
import { inputField } from "../forms.js";
import { notice } from "../ui.js";
import { personFinder } from "../people-search.js";
import { forgetCommunes, savingForm } from "../mairie-staff.js";

function createCommune() {
  return savingForm(
    [
      inputField({ name: "insee_code", label: t("office.platform.insee"), hint: t("office.platform.inseeHint"), maxlength: "5", autocomplete: "off" }),
      inputField({ name: "name", label: t("office.platform.communeName"), maxlength: "120", autocomplete: "off" }),
      inputField({ name: "postal_codes", label: t("office.platform.postalCodes"), hint: t("office.platform.postalCodesHint"), inputmode: "numeric", autocomplete: "off" }),
      inputField({ name: "police_email", label: t("office.platform.policeEmail"), type: "email", required: false, autocomplete: "off" }),
    ],
    t("office.platform.createCommune"),
    {
      save: async (values) => {
        const created = await api("/communes", {
          method: "POST",
          body: { insee_code: values.insee_code.trim(), name: values.name.trim(), postal_codes: values.postal_codes.split(/[,;\s]+/).filter(Boolean), police_email: (values.police_email || "").trim() },
        });
        forgetCommunes();
        return t("office.platform.communeCreated", { name: created.name });
      },
    },
  );
}

export function render(container, { title }) {
  const me = getMe();
  if (!me || !me.is_admin) {
    container.append(...notice({ title: t(title), text: t("mairie.common.adminOnly"), kind: "error", href: "#/", link: t("common.backHome") }));
    return undefined;
  }
  container.append(
    h("h1", {}, t("office.platform.title")),
    h("p", { class: "lead" }, t("office.platform.intro")),
    h("section", { class: "home-section", "aria-labelledby": "platform-commune" }, h("h2", { id: "platform-commune" }, t("office.platform.communeTitle")), createCommune()),
    h(
      "section",
      { class: "home-section", "aria-labelledby": "platform-moderator" },
      h("h2", { id: "platform-moderator" }, t("office.platform.moderatorTitle")),
      personFinder({
        searchPath: (q) => `/admin/people?q=${encodeURIComponent(q)}`,
        pickLabel: () => t("office.platform.appointModerator"),
        pick: async (hit) => {
          await api("/admin/moderators", { method: "POST", body: { user_id: hit.user_id } });
          return t("office.platform.moderatorDone", { name: hit.name });
        },
      }),
    ),
  );
  return undefined;
}
