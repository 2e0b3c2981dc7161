// #/admin/communes — admins: add a commune, appoint a moderator by name (anyone on the platform).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { getMe } from "../store.js";
import { inputField } from "../forms.js";
import { notice } from "../ui.js";
import { personFinder } from "../people-search.js";
import { forgetCommunes } from "../mairie-staff.js";
import { communeFinder } from "../commune-finder.js";

function createCommune() {
  // The police e-mail is optional and typed; the commune itself is picked from the official list.
  const police = inputField({ name: "police_email", label: t("office.platform.policeEmail"), type: "email", required: false, autocomplete: "off" });
  const finder = communeFinder({
    pickLabel: (commune) => t("office.platform.addCommune", { name: commune.name }),
    pick: async (commune) => {
      const created = await api("/communes", {
        method: "POST",
        body: { insee_code: commune.insee_code, country: commune.country, police_email: police.querySelector("input").value.trim() },
      });
      forgetCommunes();
      return t("office.platform.communeCreated", { name: created.name });
    },
  });
  return h("div", {}, h("p", { class: "field-hint" }, t("office.platform.communeHint")), police, finder);
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
