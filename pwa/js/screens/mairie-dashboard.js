// #/mairie/tableau-de-bord — the live dashboard of the commune: members per community, alerts
// per day and category over 30 days (SVG chart), forwarded alerts awaiting acknowledgement,
// reach of each broadcast, safety-check answers; each table downloadable as CSV; live updates.
import { h, mount } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { cachedBanner, refill } from "../ui.js";
import { CATEGORIES as ALERT_CATEGORIES, categoryLabel as alertCategoryLabel } from "../alerts.js";
import { stackedBarChart } from "../charts.js";
import { severityLabel, when } from "../mairie.js";
import { coalesce, communePath, csvLink, dataTable, staffHeading, staffScreen, watchCommune } from "../mairie-staff.js";
import { summaryFigures } from "./mairie-home.js";

const DAYS = 30;
const LABEL_EVERY = 7; // a date under every 7th bar, counted back from today

/** "YYYY-MM-DD" of a date in Paris. */
function parisDay(date) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

/** The 30 days of the window, oldest first, as "YYYY-MM-DD" (today in Paris is the last). */
function windowDays(generatedAt) {
  const [y, m, d] = parisDay(new Date(generatedAt)).split("-").map(Number);
  return Array.from({ length: DAYS }, (_, i) => new Date(Date.UTC(y, m - 1, d - (DAYS - 1 - i))).toISOString().slice(0, 10));
}

function dayLabel(day, options) {
  return new Intl.DateTimeFormat(getLang(), { timeZone: "UTC", ...options }).format(new Date(`${day}T00:00:00Z`));
}

/** Alerts per day and category, drawn as stacked bars with their hidden data table. */
export function alertsChart(dashboard) {
  const days = windowDays(dashboard.generated_at);
  const present = [...new Set(dashboard.alerts_per_day.map((row) => row.category))];
  const order = [...ALERT_CATEGORIES, ...present.filter((c) => !ALERT_CATEGORIES.includes(c))];
  const series = order.filter((c) => present.includes(c)).map((c) => ({ key: c, label: alertCategoryLabel(c), tone: order.indexOf(c) }));
  const byDay = new Map(days.map((day) => [day, {}]));
  for (const row of dashboard.alerts_per_day) {
    if (byDay.has(row.day)) byDay.get(row.day)[row.category] = (byDay.get(row.day)[row.category] || 0) + row.count;
  }
  const groups = days.map((day, index) => ({
    key: day,
    label: dayLabel(day, { weekday: "long", day: "numeric", month: "long" }),
    short: (DAYS - 1 - index) % LABEL_EVERY === 0 ? dayLabel(day, { day: "2-digit", month: "2-digit" }) : "",
    values: byDay.get(day),
  }));
  const totals = groups.map((g) => Object.values(g.values).reduce((a, b) => a + b, 0));
  const total = totals.reduce((a, b) => a + b, 0);
  const max = Math.max(0, ...totals);
  const label = total
    ? t("mairie.dashboard.chartLabel", { count: total, max, day: groups[totals.indexOf(max)].label })
    : t("mairie.dashboard.chartEmpty");
  return stackedBarChart({
    groups,
    series,
    label,
    caption: t("mairie.dashboard.chartCaption"),
    groupHeader: t("mairie.dashboard.day"),
    totalHeader: t("mairie.dashboard.total"),
    emptyText: t("mairie.dashboard.chartEmpty"),
  });
}

/** A dashboard section: its title, its content, its CSV link (and maybe a link onwards). */
function section(communeId, table, title, content, extra = null) {
  return h(
    "section",
    { class: "home-section mairie-section", "aria-labelledby": `dash-${table}`, "data-table": table },
    h("h2", { id: `dash-${table}` }, title),
    content,
    h("div", { class: "button-row" }, csvLink(communePath(communeId, `/dashboard.csv?table=${table}`), t("mairie.common.csvOf", { table: title })), extra),
  );
}

// The tables of the dashboard: their columns (the numeric ones aligned right) and the cells
// that are not shown as they come (links, labels, dates).
const TABLES = {
  communities: {
    columns: ["name", "members", "verified_members", "signups_30d", "pending_letters"],
    numeric: ["members", "verified_members", "signups_30d", "pending_letters"],
    cells: {},
  },
  forwarded_awaiting: {
    columns: ["title", "community_name", "category", "to", "created_at"],
    numeric: [],
    cells: {
      title: (row) => h("a", { href: `#/alertes/${row.alert_id}` }, row.title),
      category: (row) => alertCategoryLabel(row.category),
      to: (row) => [row.notify_mairie && t("mairie.inbox.toMairie"), row.notify_police && t("mairie.inbox.toPolice")].filter(Boolean).join(", "),
      created_at: (row) => when(row.created_at),
    },
  },
  broadcast_reach: {
    columns: ["title", "severity", "channel", "sent", "received", "opened", "failed", "fallback"],
    numeric: ["sent", "received", "opened", "failed", "fallback"],
    cells: { severity: (row) => severityLabel(row.severity), channel: (row) => t(`mairie.channels.${row.channel}`) },
  },
  safety_checks: {
    columns: ["question", "status", "created_at", "total", "ok", "help", "pending"],
    numeric: ["total", "ok", "help", "pending"],
    cells: {
      question: (row) => h("a", { href: `#/mairie/verification?id=${row.check_id}` }, row.question),
      status: (row) => t(`mairie.check.status.${row.status}`),
      created_at: (row) => when(row.created_at),
    },
  },
};

/** The section of one dashboard table (a sentence instead of an empty table). */
function tableSection(d, table, title, extra = null) {
  const spec = TABLES[table];
  const rows = d[table];
  const content = rows.length
    ? dataTable({
        caption: title,
        hiddenCaption: true,
        columns: spec.columns.map((key) => ({ key, label: t(`mairie.dashboard.cols.${key}`), numeric: spec.numeric.includes(key) })),
        rows,
        cell: (row, column) => (spec.cells[column.key] ? spec.cells[column.key](row) : row[column.key]),
      })
    : h("p", {}, t("mairie.dashboard.none"));
  return section(d.commune_id, table, title, content, extra);
}

function sections(d) {
  return [
    tableSection(d, "communities", t("mairie.dashboard.communitiesTitle")),
    section(d.commune_id, "alerts_per_day", t("mairie.dashboard.alertsTitle"), alertsChart(d)),
    tableSection(
      d,
      "forwarded_awaiting",
      t("mairie.dashboard.forwardedTitle", { count: d.forwarded_awaiting.length }),
      h("a", { href: "#/mairie/signalements", class: "button button--secondary button--small" }, t("mairie.dashboard.openInbox")),
    ),
    tableSection(d, "broadcast_reach", t("mairie.dashboard.reachTitle")),
    tableSection(d, "safety_checks", t("mairie.dashboard.checksTitle")),
  ];
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    const cached = cachedBanner(null);
    const updated = h("p", { class: "alert-card-meta" });
    const body = h("div", {}, h("p", { class: "loading" }, t("common.loading")));

    async function load() {
      try {
        const { data, cachedAt } = await apiRead(communePath(commune.id, "/dashboard"));
        cachedBanner(cachedAt, cached);
        refill(body, summaryFigures(data), ...sections(data));
        updated.textContent = t("mairie.dashboard.updatedAt", { when: when(data.generated_at) });
      } catch (err) {
        body.replaceChildren(h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
      }
    }

    const reload = coalesce(load);
    const stopLive = watchCommune(commune.id, { onSection: reload, onAlert: reload, refresh: load });
    mount(container, ...staffHeading(t("mairie.dashboard.title"), commune), h("p", {}, t("mairie.dashboard.intro")), updated, cached, body);
    load();
    return () => {
      stopLive();
      reload.cancel();
    };
  });
}
