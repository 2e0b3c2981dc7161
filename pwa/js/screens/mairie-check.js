// #/mairie/controle/<id> — a safety check addressed to me (the link of its notification): the
// question and the two huge answers « Tout va bien » / « J'ai besoin d'aide ».
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { safetyCheckCard } from "../mairie.js";

export function render(container, { params }) {
  const id = Number(params.id);
  const content = h("div", {}, h("h1", {}, t("mairie.safety.title")), h("p", { class: "loading" }, t("common.loading")));
  apiRead("/me/safety-checks")
    .then(({ data }) => {
      const check = data.find((c) => c.id === id);
      if (check) mount(content, safetyCheckCard(check, { level: 1 }));
      else mount(content, h("h1", {}, t("mairie.safety.title")), h("p", { class: "banner banner--info" }, t("mairie.safety.notFound")));
    })
    .catch((err) => mount(content, h("h1", {}, t("mairie.safety.title")), h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err))));
  container.append(content, h("a", { href: "#/", class: "button button--secondary button--block" }, t("common.backHome")));
}
