// Finding a person by name to appoint them (a referent, a town hall agent, a moderator): a search
// field, the people found with what tells them apart, and one button each. Numeric ids are never typed.
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { api, errorMessage } from "./api.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "./forms.js";

/** What tells a person apart: their neighbourhoods, the mairie they work for, moderator. */
function details(hit) {
  const parts = [hit.communities.length ? t("office.find.in", { names: hit.communities.join(", ") }) : t("office.find.noCommunity")];
  if (hit.staff_of && hit.staff_of.length) parts.push(t("office.find.staffOf", { names: hit.staff_of.join(", ") }));
  if (hit.is_moderator) parts.push(t("office.find.moderator"));
  return parts.join(" · ");
}

/**
 * A search form and what it finds, one button each: searchPath(q) is the API path to ask, texts
 * {label, hint, search, none} the form's words, item(hit) → {className, data, title, detail} how a hit
 * reads, pickLabel(hit) the button's words, pick(hit) does the work and returns the sentence that
 * confirms it (errors are shown). The people finder below and the commune finder (commune-finder.js).
 */
export function searchFinder({ searchPath, texts, item, pickLabel, pick, listClass }) {
  const results = h("ul", { class: listClass, "aria-live": "polite" });
  const status = statusRegion();
  const alertRegion = formAlert();
  const form = h("form", { class: "form person-search", role: "search" }, inputField({ name: "q", label: texts.label, hint: texts.hint, minlength: "2", autocomplete: "off" }), alertRegion, submitButton(texts.search, "secondary"));
  handleSubmit(form, alertRegion, {
    submit: async ({ q }) => {
      const hits = await api(searchPath(q.trim()));
      announce(status, "");
      results.replaceChildren(
        ...(hits.length
          ? hits.map((hit) => {
              const button = h("button", { type: "button", class: "button button--primary button--small" }, pickLabel(hit));
              button.addEventListener("click", async () => {
                button.disabled = true;
                try {
                  announce(status, await pick(hit), "success");
                } catch (err) {
                  announce(status, errorMessage(err), "error");
                } finally {
                  button.disabled = false;
                }
              });
              const { className, data, title, detail } = item(hit);
              return h("li", { class: className, dataset: data }, h("p", {}, h("strong", {}, title), h("br"), h("span", { class: "field-hint" }, detail)), button);
            })
          : [h("li", {}, texts.none)]),
      );
    },
  });
  return h("div", { class: "person-finder" }, form, results, status);
}

/**
 * A person finder: searchPath(q) is the API path to ask, pickLabel(hit) the button's words,
 * pick(hit) appoints them and returns the sentence that confirms it (errors are shown).
 */
export function personFinder({ searchPath, pickLabel, pick }) {
  return searchFinder({
    searchPath,
    pickLabel,
    pick,
    listClass: "person-hits",
    texts: { label: t("office.find.label"), hint: t("office.find.hint"), search: t("office.find.search"), none: t("office.find.none") },
    item: (hit) => ({ className: "person-hit", data: { userId: String(hit.user_id) }, title: hit.name, detail: details(hit) }),
  });
}
