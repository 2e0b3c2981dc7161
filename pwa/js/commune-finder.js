// Finding a commune in the official lists (INSEE for France, NIS for Belgium) by name or postal code: a
// commune is never typed free-hand. A search field, the communes found (country, département or province,
// postal codes) and one button each. The two countries' codes collide: a commune is (country, code).
import { t } from "./i18n.js";
import { searchFinder } from "./people-search.js";

/** « France · Loiret (45) · 45000, 45100 »: what tells two communes of the same name (or code) apart. */
export function communeDetails(commune) {
  const where = commune.departement_name ? `${commune.departement_name} (${commune.departement})` : commune.departement;
  return [commune.country_name, where, (commune.postal_codes || []).join(", ")].filter(Boolean).join(" · ");
}

/** The value a picker keeps for a commune of the official lists: « BE-21004 » (country, code). */
export function communeKey(commune) {
  return `${commune.country || "FR"}-${commune.insee_code}`;
}

/** {country, insee_code} back from communeKey's value. */
export function fromCommuneKey(value) {
  const [country, code] = String(value).split("-");
  return code === undefined ? { country: "FR", insee_code: country } : { country, insee_code: code };
}

/**
 * A commune finder: pickLabel(commune) is the button's words, pick(commune) does the work and returns
 * the sentence that confirms it (errors are shown).
 */
export function communeFinder({ pickLabel, pick }) {
  return searchFinder({
    searchPath: (q) => `/communes/official?q=${encodeURIComponent(q)}`,
    pickLabel,
    pick,
    listClass: "commune-hits",
    texts: { label: t("communeFinder.label"), hint: t("communeFinder.hint"), search: t("communeFinder.search"), none: t("communeFinder.none") },
    item: (commune) => ({ className: "commune-hit", data: { insee: commune.insee_code, country: commune.country }, title: commune.name, detail: communeDetails(commune) }),
  });
}
