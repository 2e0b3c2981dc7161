// #/chiffres — « Vigie en chiffres », for anyone (no account): members (rounded), communities, communes,
// mairies, this month's alerts by category and the help given (check-ins answered, carpools).
import { h } from "../dom.js";
import { t, getLang } from "../i18n.js";
import { api, errorMessage } from "../api.js";

function figure(value, label) {
  return h("li", { class: "open-figure" }, h("span", { class: "open-figure-value" }, value), h("span", { class: "open-figure-label" }, label));
}

function number(value) {
  return new Intl.NumberFormat(getLang()).format(value);
}

/** « décembre 2026 » from « 2026-12 ». */
function monthWords(month) {
  const [year, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(getLang(), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(year, m - 1, 15)));
}

function showStats(body, stats) {
  const members = stats.members_fewer_than_5 ? t("open.stats.fewer") : number(stats.members);
  const month = monthWords(stats.month);
  body.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "open-network" },
      h("h2", { id: "open-network" }, t("open.stats.networkTitle")),
      h(
        "ul",
        { class: "open-figures" },
        figure(members, t("open.stats.members")),
        figure(number(stats.communities), t("open.stats.communities")),
        figure(number(stats.communes), t("open.stats.communes")),
        figure(number(stats.mairies), t("open.stats.mairies")),
      ),
      h("p", { class: "field-hint" }, t("open.stats.rounded")),
    ),
    h(
      "section",
      { "aria-labelledby": "open-alerts" },
      h("h2", { id: "open-alerts" }, t("open.stats.alertsTitle", { month })),
      stats.alerts_by_category.length
        ? h(
            "ul",
            { class: "open-rows" },
            stats.alerts_by_category.map((row) => h("li", { class: "open-row" }, h("span", {}, t(`alerts.categories.${row.category}`)), h("strong", {}, number(row.count)))),
            h("li", { class: "open-row open-total" }, h("span", {}, t("open.stats.total")), h("strong", {}, number(stats.alerts_this_month))),
          )
        : h("p", {}, t("open.stats.noAlerts")),
    ),
    h(
      "section",
      { "aria-labelledby": "open-help" },
      h("h2", { id: "open-help" }, t("open.stats.helpTitle", { month })),
      h(
        "ul",
        { class: "open-figures" },
        figure(number(stats.checkins_answered), t("open.stats.checkinsAnswered")),
        figure(number(stats.checkins_visits), t("open.stats.checkinsVisits")),
        figure(number(stats.carpools_offered), t("open.stats.carpools")),
        figure(number(stats.carpool_seats), t("open.stats.seats")),
      ),
    ),
  );
}

export function render(container) {
  const body = h("div", { class: "open-stats" }, h("p", { class: "field-hint loading", role: "status" }, t("common.loading")));
  container.append(
    h("h1", {}, t("open.stats.title")),
    h("p", { class: "lead" }, t("open.stats.intro")),
    body,
    h("p", {}, h("a", { href: "#/carte", class: "link-large" }, t("open.map.link"))),
    h("p", {}, h("a", { href: "#/inscription", class: "button button--secondary" }, t("open.stats.signup"))),
  );
  api("/open/stats")
    .then((stats) => showStats(body, stats))
    .catch((err) => body.replaceChildren(h("p", { role: "alert" }, errorMessage(err))));
  return undefined;
}
