// #/mairie — the staff's home for their commune: a commune picker (staff of several), tiles to
// every mairie screen, and the live summary of the dashboard.
import { h, mount, uid } from "../dom.js";
import { t } from "../i18n.js";
import { monthInWords } from "../time.js";
import { apiRead, errorMessage } from "../api.js";
import { navigate } from "../router.js";
import { cachedBanner, refill } from "../ui.js";
import { coalesce, communePath, rememberCommune, staffHeading, staffScreen, watchCommune } from "../mairie-staff.js";

const TILES = [
  ["diffusion", "#/mairie/diffusion"],
  ["diffusions", "#/mairie/diffusions"],
  ["verification", "#/mairie/verification"],
  ["register", "#/mairie/registre"],
  ["episodes", "#/mairie/episodes"],
  ["dashboard", "#/mairie/tableau-de-bord"],
  ["inbox", "#/mairie/signalements"],
  ["signage", "#/mairie/panneaux"],
  ["perimeters", "#/quartiers"],
  ["organisation", "#/mairie/organisation"],
  ["participation", "#/mairie/participation"],
];

function communePicker(communes, current) {
  const id = uid("commune");
  const select = h(
    "select",
    { id, class: "input", name: "commune" },
    communes.map((c) => h("option", { value: String(c.id), selected: c.id === current.id }, c.name)),
  );
  select.addEventListener("change", () => {
    rememberCommune(Number(select.value));
    navigate(`/mairie?commune=${select.value}`);
  });
  return h("div", { class: "field" }, h("label", { for: id, class: "field-label" }, t("mairie.home.pickCommune")), select);
}

function sum(rows, key) {
  return rows.reduce((total, row) => total + (row[key] || 0), 0);
}

/** The dashboard in a few big figures (also on top of the dashboard screen). */
export function summaryFigures(dashboard) {
  const budget = dashboard.sms_budget;
  const openChecks = dashboard.safety_checks.filter((c) => c.status === "open").length;
  const figures = [
    ["verified", sum(dashboard.communities, "verified_members"), t("mairie.summary.verifiedOf", { members: sum(dashboard.communities, "members") })],
    ["signups", sum(dashboard.communities, "signups_30d"), null],
    ["letters", sum(dashboard.communities, "pending_letters"), null],
    ["alerts", sum(dashboard.alerts_per_day, "count"), null],
    ["awaiting", dashboard.forwarded_awaiting.length, null],
    ["checks", openChecks, null],
    ["silent", dashboard.silent_devices || 0, t("mairie.summary.silentDetail")],
  ];
  return h(
    "div",
    {},
    h(
      "dl",
      { class: "mairie-figures" },
      figures.map(([key, value, detail]) =>
        h("div", { class: ["mairie-figure", key === "awaiting" && value > 0 && "mairie-figure--attention"], "data-figure": key }, h("dt", {}, t(`mairie.summary.${key}`)), h("dd", {}, h("span", { class: "mairie-figure-value" }, String(value)), detail ? h("span", { class: "mairie-figure-detail" }, detail) : null)),
      ),
    ),
    h(
      "p",
      { class: "mairie-budget" },
      budget.monthly_budget ? t("mairie.summary.budget", { remaining: budget.remaining, budget: budget.monthly_budget, used: budget.used, month: monthInWords(budget.month) }) : t("mairie.summary.budgetUnlimited", { used: budget.used, month: monthInWords(budget.month) }),
    ),
  );
}

/** A tile of the mairie space (the look of the home page's tiles, community.css). */
function tile(key, href, extra = null) {
  return h(
    "li",
    {},
    h(
      "a",
      { href, class: "home-tile", "data-tile": key },
      h("span", { class: "home-tile-text" }, h("span", { class: "home-tile-title" }, t(`mairie.tiles.${key}`)), h("span", { class: "home-tile-detail" }, t(`mairie.tiles.${key}Detail`))),
      extra,
    ),
  );
}

function tiles(me, awaiting) {
  const links = TILES.map(([key, href]) => tile(key, href, key === "inbox" ? awaiting : null));
  if (me.is_admin) links.push(tile("journal", "#/admin/journal"), tile("platform", "#/admin/communes"), tile("applications", "#/admin/adhesions"));
  return h("ul", { class: "home-tiles mairie-tiles" }, links);
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune, communes, me }) => {
    const cached = cachedBanner(null);
    const awaiting = h("span", { class: "mairie-tile-count", hidden: true });
    const summary = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, t("common.loading")));

    async function load() {
      try {
        const { data, cachedAt } = await apiRead(communePath(commune.id, "/dashboard"));
        cachedBanner(cachedAt, cached);
        refill(summary, summaryFigures(data));
        const count = data.forwarded_awaiting.length;
        awaiting.textContent = t("mairie.tiles.awaitingCount", { count });
        awaiting.hidden = count === 0;
      } catch (err) {
        summary.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
      }
    }

    const reload = coalesce(load);
    const stopLive = watchCommune(commune.id, { onSection: reload, onAlert: reload, refresh: load });
    mount(
      container,
      ...staffHeading(t("mairie.home.title"), commune, { back: false }),
      communes.length > 1 ? communePicker(communes, commune) : null,
      tiles(me, awaiting),
      h("section", { class: "home-section", "aria-labelledby": "mairie-summary-title" }, h("h2", { id: "mairie-summary-title" }, t("mairie.home.summaryTitle")), cached, summary, h("a", { href: "#/mairie/tableau-de-bord", class: "button button--secondary button--block" }, t("mairie.home.openDashboard"))),
    );
    load();
    return () => {
      stopLive();
      reload.cancel();
    };
  });
}
