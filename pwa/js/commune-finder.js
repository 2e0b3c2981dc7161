// Finding a commune in the official list (INSEE) by name or postal code: a commune is never typed
// free-hand. A search field, the communes found (département, postal codes) and one button each.
import { t } from "./i18n.js";
import { searchFinder } from "./people-search.js";

/** « Loiret (45) · 45000, 45100 »: what tells two communes of the same name apart. */
export function communeDetails(commune) {
  const where = commune.departement_name ? `${commune.departement_name} (${commune.departement})` : commune.departement;
  return [where, commune.postal_codes.join(", ")].filter(Boolean).join(" · ");
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
    item: (commune) => ({ className: "commune-hit", data: { insee: commune.insee_code }, title: commune.name, detail: communeDetails(commune) }),
  });
}
