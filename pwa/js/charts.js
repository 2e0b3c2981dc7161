// Small inline SVG charts, no library. Each chart is an image for sight (role="img" with an
// aria-label that sums it up) and a visually hidden data table for screen readers.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
// viewBox units: 360 wide renders near 1:1 on a phone, so 16-unit labels stay ~16 px.
const WIDTH = 360;
const HEIGHT = 210;
const LEFT = 34;
const RIGHT = 6;
const TOP = 12;
const BOTTOM = 28;
const FONT = 16;
const TONES = 7; // .chart-series-0 … -6 in the CSS

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  children.forEach((child) => el.append(child instanceof Node ? child : document.createTextNode(String(child))));
  return el;
}

/** A round upper bound for the axis: 1, 2, 4, 5, 10, 20, 40, 50, 100… at least `max`. */
function niceMax(max) {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 4, 5, 10].find((f) => f * power >= max);
  return step * power;
}

/** The colour of a series: its own `tone` (stable across charts), else its place. */
function tone(s, index) {
  return (s.tone ?? index) % TONES;
}

function total(group, series) {
  return series.reduce((sum, s) => sum + (group.values[s.key] || 0), 0);
}

/**
 * A stacked bar chart: one bar per group (e.g. a day), one coloured segment per series (e.g. a
 * category) with a value. Options:
 * - groups: [{key, label (full, for the table), short (under the axis, or ""), values: {seriesKey: n}}]
 * - series: [{key, label, tone?}] (colour .chart-series-<tone>, else by order: -0, -1, …)
 * - label: the aria-label summing the chart up; caption: the visible title;
 * - groupHeader, totalHeader: column titles of the hidden table; emptyText: its row when all is 0.
 * Each segment is a <rect class="chart-bar" data-group data-series data-value>.
 */
export function stackedBarChart({ groups, series, label, caption, groupHeader, totalHeader, emptyText }) {
  const top = niceMax(Math.max(0, ...groups.map((g) => total(g, series))));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = (WIDTH - LEFT - RIGHT) / Math.max(groups.length, 1);
  const barWidth = Math.max(2, step * 0.72);
  const y = (value) => TOP + plotHeight - (value / top) * plotHeight;

  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-label": label, focusable: "false" });
  for (const value of [0, top / 2, top]) {
    if (!Number.isInteger(value)) continue;
    chart.append(
      svg("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: y(value), y2: y(value), class: value ? "chart-grid" : "chart-axis" }),
      svg("text", { x: LEFT - 6, y: y(value) + FONT / 3, "text-anchor": "end", "font-size": FONT, class: "chart-label" }, value),
    );
  }
  groups.forEach((group, index) => {
    const x = LEFT + index * step + (step - barWidth) / 2;
    let base = 0;
    series.forEach((s, seriesIndex) => {
      const value = group.values[s.key] || 0;
      if (!value) return;
      chart.append(
        svg(
          "rect",
          {
            x: x.toFixed(2),
            y: y(base + value).toFixed(2),
            width: barWidth.toFixed(2),
            height: (y(base) - y(base + value)).toFixed(2),
            class: `chart-bar chart-series-${tone(s, seriesIndex)}`,
            "data-group": group.key,
            "data-series": s.key,
            "data-value": value,
          },
          svg("title", {}, `${group.label} — ${s.label} : ${value}`),
        ),
      );
      base += value;
    });
    if (group.short) {
      // The first and last labels lean inwards, so that they stay inside the picture.
      const anchor = index === 0 ? "start" : index === groups.length - 1 ? "end" : "middle";
      const labelX = { start: x, middle: x + barWidth / 2, end: x + barWidth }[anchor];
      chart.append(svg("text", { x: labelX.toFixed(2), y: HEIGHT - 8, "text-anchor": anchor, "font-size": FONT, class: "chart-label" }, group.short));
    }
  });

  const used = series.filter((s) => groups.some((g) => g.values[s.key]));
  const rows = groups.filter((g) => total(g, series) > 0);
  const legend = h(
    "ul",
    { class: "chart-legend", "aria-hidden": "true" },
    used.map((s) => h("li", {}, h("span", { class: `chart-swatch chart-series-${tone(s, series.indexOf(s))}` }), s.label)),
  );
  const table = h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, groupHeader), used.map((s) => h("th", { scope: "col" }, s.label)), h("th", { scope: "col" }, totalHeader))),
    h(
      "tbody",
      {},
      rows.length
        ? rows.map((g) => h("tr", {}, h("th", { scope: "row" }, g.label), used.map((s) => h("td", {}, String(g.values[s.key] || 0))), h("td", {}, String(total(g, series)))))
        : h("tr", {}, h("td", { colspan: String(used.length + 2) }, emptyText)),
    ),
  );
  // The wrapper hides the table (a table itself ignores the 1 px box and would widen the page).
  const hidden = h("div", { class: "visually-hidden table-scroll" }, table);
  return h("figure", { class: "chart-figure" }, h("figcaption", {}, caption), chart, legend, hidden);
}
