// #/confidentialite — public: what Vigie keeps, why and how long (from the server's settings).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { isLoggedIn } from "../store.js";
import { card } from "../ui.js";

function days(count) {
  return t("privacy.page.days", { count });
}

export async function render(container) {
  const heading = h("h1", {}, t("privacy.page.title"));
  const status = h("p", { class: "lead", role: "status" }, t("privacy.page.loading"));
  container.append(heading, status);
  let policy;
  try {
    policy = await api("/open/privacy");
  } catch {
    status.textContent = t("privacy.page.loadError");
    return;
  }
  status.textContent = t("privacy.page.intro");
  const retention = h(
    "dl",
    { class: "facts privacy-retention" },
    policy.retention.flatMap((line) => [
      h("dt", {}, line.what),
      h("dd", {}, h("strong", {}, days(line.days)), " — ", line.why),
    ]),
  );
  const kept = h(
    "dl",
    { class: "facts privacy-data" },
    policy.data.flatMap((item) => [h("dt", {}, item.label), h("dd", {}, item.after_deletion)]),
  );
  const rights = [
    h("p", {}, t("privacy.page.rightsText", { count: policy.account_erase_grace_days })),
    h("a", { href: isLoggedIn() ? "#/reglages/mes-donnees" : "#/connexion?next=%2Freglages%2Fmes-donnees",
      class: "button button--secondary button--block" }, t("privacy.page.rightsLink")),
  ];
  container.append(
    card(t("privacy.page.whyTitle"), h("p", {}, t("privacy.page.whyText"))),
    card(t("privacy.page.howLongTitle"), retention),
    card(t("privacy.page.whatTitle"), h("p", {}, t("privacy.page.whatText")), kept),
    card(t("privacy.page.rightsTitle"), ...rights),
  );
}
