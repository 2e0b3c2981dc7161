// #/carte — where Vigie communities exist, for anyone (no account): a map of the départements drawn
// from outlines shipped with the app (/map/departements.json, no tile server), each commune's point,
// and the list below it — searchable by commune name or postal code — with counts and a sign-up link.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { inputField } from "../forms.js";
import { dayInWords } from "../time.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  children.forEach((child) => el.append(child));
  return el;
}

/** Lower case, no accents, hyphens and apostrophes as spaces: « Saint-Étienne » → « saint etienne ». */
export function fold(text) {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/œ/g, "oe")
    .replace(/[^0-9a-z]+/g, " ")
    .trim();
}

function matches(commune, query) {
  if (!query) return true;
  if (/^\d+$/.test(query)) return commune.postal_codes.some((code) => code.startsWith(query));
  return fold(commune.name).includes(fold(query));
}

function membersText(commune) {
  return commune.members_fewer_than_5 ? t("open.map.membersFew") : t("open.map.members", { count: commune.members });
}

/** « Mairie participante depuis le 2 décembre 2026 » when it joined, else whether it takes part. */
function mairieText(commune) {
  if (commune.mairie_joined_on) return t("open.map.mairieSince", { date: dayInWords(`${commune.mairie_joined_on}T12:00:00Z`) });
  return commune.mairie ? t("open.map.mairieYes") : t("open.map.mairieNo");
}

function communeItem(commune, departements) {
  const where = departements.get(commune.departement);
  return h(
    "li",
    { class: "open-commune", "data-insee": commune.insee_code, "data-country": commune.country },
    h("h3", {}, commune.name),
    h("p", { class: "field-hint" }, [commune.country_name, where ? `${where.name} (${where.code})` : commune.departement, commune.postal_codes.join(", ")].filter(Boolean).join(" · ")),
    h(
      "ul",
      { class: "open-facts" },
      h("li", {}, t("open.map.communities", { count: commune.communities })),
      h("li", {}, membersText(commune)),
      h("li", { class: "open-mairie" }, mairieText(commune)),
    ),
    h("a", { href: commune.signup_path, class: "button button--secondary" }, t("open.map.signup", { commune: commune.name })),
  );
}

/** The SVG map: départements with Vigie filled, a point per commune; the list below says the same in words. */
function drawMap(outlines, data) {
  const withVigie = new Set(data.departements.map((d) => d.code));
  const names = new Map(data.departements.map((d) => [d.code, d]));
  const titleId = "open-map-title";
  const map = svg(
    "svg",
    { viewBox: outlines.viewBox, class: "open-map", role: "img", "aria-labelledby": titleId, focusable: "false" },
    svg("title", { id: titleId }, document.createTextNode(t("open.map.mapLabel", { count: data.communes.length }))),
  );
  for (const dep of outlines.departements) {
    const shape = svg("path", { d: dep.path, class: withVigie.has(dep.code) ? "open-dep open-dep--vigie" : "open-dep", "data-code": dep.code });
    const info = names.get(dep.code);
    if (info) shape.append(svg("title", {}, document.createTextNode(`${info.name} : ${t("open.map.communes", { count: info.communes })}`)));
    map.append(shape);
  }
  for (const commune of data.communes) {
    if (commune.x === null || commune.y === null) continue;
    map.append(
      svg("circle", { cx: commune.x, cy: commune.y, r: 7, class: commune.mairie ? "open-point open-point--mairie" : "open-point", "data-insee": commune.insee_code },
        svg("title", {}, document.createTextNode(commune.name))),
    );
  }
  return map;
}

export function render(container) {
  const status = h("p", { class: "field-hint loading", role: "status" }, t("common.loading"));
  const mapBox = h("div", { class: "open-map-box" });
  const list = h("ul", { class: "open-communes", "aria-live": "polite" });
  const count = h("p", { class: "open-count", role: "status" });
  const search = inputField({ name: "q", label: t("open.map.searchLabel"), hint: t("open.map.searchHint"), required: false, autocomplete: "off", type: "search" });
  const input = search.querySelector("input");
  const departementsList = h("ul", { class: "open-departements" });
  let data = null;
  let departements = new Map();

  function show() {
    if (!data) return;
    const query = input.value.trim();
    const found = data.communes.filter((commune) => matches(commune, query));
    count.textContent = query ? t("open.map.found", { count: found.length }) : t("open.map.communes", { count: data.communes.length });
    list.replaceChildren(...(found.length ? found.map((commune) => communeItem(commune, departements)) : [h("li", { class: "open-none" }, t("open.map.none"))]));
  }
  input.addEventListener("input", show);

  container.append(
    h("h1", {}, t("open.map.title")),
    h("p", { class: "lead" }, t("open.map.intro")),
    status,
    mapBox,
    h("section", { "aria-labelledby": "open-deps-title" }, h("h2", { id: "open-deps-title" }, t("open.map.departementsTitle")), departementsList),
    h("section", { "aria-labelledby": "open-communes-title", class: "open-search" }, h("h2", { id: "open-communes-title" }, t("open.map.communesTitle")), search, count, list),
    h("p", {}, h("a", { href: "#/chiffres", class: "link-large" }, t("open.stats.link"))),
    h("p", { class: "field-hint open-credits" }, t("open.map.credits")),
  );

  Promise.all([api("/open/communes"), fetch("/map/departements.json").then((r) => (r.ok ? r.json() : null))])
    .then(([answer, outlines]) => {
      data = answer;
      departements = new Map(data.departements.map((d) => [d.code, d]));
      status.remove();
      if (outlines) mapBox.replaceChildren(drawMap(outlines, data));
      departementsList.replaceChildren(
        ...(data.departements.length
          ? data.departements.map((d) =>
              h("li", {}, h("button", { type: "button", class: "button button--small button--secondary", onclick: () => { input.value = ""; list.replaceChildren(...data.communes.filter((c) => c.departement === d.code).map((c) => communeItem(c, departements))); count.textContent = t("open.map.inDepartement", { name: d.name, count: d.communes }); } }, `${d.name} (${d.code}) — ${t("open.map.communes", { count: d.communes })}`)),
            )
          : [h("li", {}, t("open.map.noneYet"))]),
      );
      show();
    })
    .catch((err) => {
      status.classList.remove("loading");
      status.textContent = errorMessage(err);
    });
  return undefined;
}
