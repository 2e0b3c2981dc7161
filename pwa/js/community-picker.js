// Choose a community by typing a postal code or a commune name (GET /communities/search?q=), or,
// with kind "commune", a commune of the official list (INSEE) by its name or postal code
// (GET /communes/official?q=; its INSEE code is the value: it need not be on Vigie yet).
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";
import { api, errorMessage } from "./api.js";
import { communeDetails, communeKey } from "./commune-finder.js";

const DEBOUNCE_MS = 350;
const MIN_CHARS = 2;

function communeLabel(community) {
  const within = [community.country_name, (community.postal_codes || []).join(", ")].filter(Boolean).join(" · ");
  return within ? `${community.commune_name} (${within})` : community.commune_name;
}

const SHOWN_STREETS = 4;

/** What a community covers when its perimeter is narrowed: "Rues : …", "Codes postaux : …"; "" for the whole commune. */
export function perimeterLabel(community) {
  const parts = [];
  const streets = community.streets || [];
  if (streets.length) {
    const more = streets.length > SHOWN_STREETS ? ` ${t("picker.moreStreets", { count: streets.length - SHOWN_STREETS })}` : "";
    parts.push(t("picker.streets", { streets: streets.slice(0, SHOWN_STREETS).join(", ") }) + more);
  }
  if ((community.perimeter_postal_codes || []).length) parts.push(t("picker.postalCodes", { codes: community.perimeter_postal_codes.join(", ") }));
  return parts.join(" · ");
}

function communityLabel(community) {
  return `${community.name} — ${communeLabel(community)}`;
}

// What differs between picking a community and picking a commune: the search, the words, the lines.
const KINDS = {
  community: {
    path: "/communities/search",
    idOf: (c) => String(c.id),
    notYet: true, // none found: name the communes of the official list with no Vigie yet
    words: "picker",
    label: "fields.communitySearch",
    chosen: communityLabel,
    lines: (c) => [communeLabel(c), perimeterLabel(c)],
  },
  commune: {
    path: "/communes/official",
    idOf: communeKey, // « BE-21004 »: a Belgian and a French commune may share a code
    notYet: false,
    words: "communePicker",
    label: "communePicker.label",
    chosen: (c) => `${c.name} (${(c.postal_codes || []).join(", ")})`,
    lines: (c) => [[communeDetails(c), t(c.country === "BE" ? "communePicker.nis" : "communePicker.insee", { code: c.insee_code })].filter(Boolean).join(" · ")],
  },
};

/** Ids travel through inputs as text: give numeric ids back their number type. */
export function idFromInput(value) {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * The picker: a search box, a live status line and a radio list of results. The chosen id is
 * kept in a hidden input named `name`. Returns {element, search(text), destroy()}.
 */
export function communityPicker({ name = "community_id", kind = "community", country = () => "" } = {}) {
  const { path, idOf, notYet, words, label, chosen: chosenLabel, lines } = KINDS[kind];
  const id = uid(kind);
  const searchId = `${id}-search`;
  const errorId = `${id}-error`;
  const chosen = h("input", { type: "hidden", name, value: "" });
  chosen.dataset.errorId = errorId;
  chosen.dataset.focusId = searchId;
  const search = h("input", {
    id: searchId,
    type: "search",
    class: "input",
    autocomplete: "off",
    spellcheck: "false",
    enterkeyhint: "search",
    "aria-describedby": `${id}-hint ${id}-status`,
    "aria-controls": `${id}-results`,
  });
  const status = h("p", { id: `${id}-status`, class: "picker-status", role: "status", "aria-live": "polite" });
  const results = h("div", { id: `${id}-results`, class: "picker-results" });
  let timer = null;
  let controller = null;
  let lastQuery = null;

  function choose(community) {
    chosen.value = idOf(community);
    status.textContent = t(`${words}.chosen`, { community: chosenLabel(community) });
  }

  /** No neighbourhood found: say which communes of the official list match, with no Vigie there yet. */
  async function showNotYet(text, signal) {
    let communes = [];
    try {
      const within = country() ? `&country=${encodeURIComponent(country())}` : ""; // the address's country
      communes = await api(`/communes/official?q=${encodeURIComponent(text)}${within}`, { signal });
    } catch {
      return; // the plain « none » stays
    }
    if (!communes.length) return;
    const names = communes.slice(0, 3).map((commune) => `${commune.name} (${commune.departement})`).join(", ");
    results.replaceChildren(
      h("p", { class: "picker-not-yet" }, t("picker.notYet", { names })),
      h("p", {}, h("a", { href: "#/carte", class: "link-large" }, t("open.map.link"))),
    );
  }

  function showResults(communities, text, signal) {
    const previous = chosen.value;
    results.replaceChildren();
    chosen.value = "";
    if (!communities.length) {
      status.textContent = t(`${words}.none`);
      if (text && notYet) showNotYet(text, signal);
      return;
    }
    const options = communities.map((community) =>
      h(
        "label",
        { class: "choice" },
        h("input", { type: "radio", name: `${name}_choice`, value: idOf(community), "data-clears": name, onchange: () => choose(community) }),
        h("span", {}, h("strong", {}, community.name), " ", ...lines(community).filter(Boolean).map((line) => h("span", { class: "choice-detail" }, line))),
      ),
    );
    results.append(h("fieldset", { class: "choices" }, h("legend", {}, t(`${words}.legend`)), options));
    status.textContent = t(`${words}.found`, { count: communities.length });
    // A single result is chosen for the user; a choice still in the list is kept.
    const index = communities.length === 1 ? 0 : communities.findIndex((c) => idOf(c) === previous);
    if (index >= 0) {
      options[index].querySelector("input").checked = true;
      choose(communities[index]);
    }
  }

  async function run(text) {
    const inCountry = country() || ""; // sign-up: only the neighbourhoods of the address's country
    const key = `${inCountry}|${text}`;
    if (key === lastQuery) return; // e.g. suggested from the postal code, then typed again
    lastQuery = key;
    if (controller) controller.abort();
    if (text.length < MIN_CHARS) {
      results.replaceChildren();
      chosen.value = "";
      status.textContent = text ? t("picker.tooShort") : "";
      return;
    }
    controller = new AbortController();
    status.textContent = t("picker.searching");
    try {
      const { signal } = controller;
      const within = inCountry ? `&country=${encodeURIComponent(inCountry)}` : "";
      showResults(await api(`${path}?q=${encodeURIComponent(text)}${within}`, { signal }), text, signal);
    } catch (err) {
      if (err.name === "AbortError") return;
      lastQuery = null; // let the same search be tried again
      status.textContent = errorMessage(err);
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => run(search.value.trim()), DEBOUNCE_MS);
  }

  search.addEventListener("input", schedule);
  search.addEventListener("keydown", (event) => {
    // Enter searches at once instead of submitting the whole sign-up form.
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timer);
      run(search.value.trim());
    }
  });

  const element = h(
    "div",
    { class: "field picker" },
    h("label", { for: searchId, class: "field-label" }, t(label)),
    h("p", { id: `${id}-hint`, class: "field-hint" }, t(`${words}.hint`)),
    h("p", { id: errorId, class: "field-error", hidden: true }),
    search,
    chosen,
    status,
    results,
  );

  return {
    element,
    /** Fill the search box (e.g. from the postal code) unless the user already typed there. */
    suggest(text) {
      if (search.value.trim()) return;
      search.value = text;
      clearTimeout(timer);
      run(text);
    },
    /** Search again what is typed (the country changed). */
    refresh() {
      clearTimeout(timer);
      run(search.value.trim());
    },
    destroy() {
      clearTimeout(timer);
      if (controller) controller.abort();
    },
  };
}
