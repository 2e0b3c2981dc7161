// Finding a commune in the official list (INSEE) by name or postal code: a commune is never typed
// free-hand. A search field, the communes found (département, postal codes) and one button each.
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { api, errorMessage } from "./api.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "./forms.js";

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
  const results = h("ul", { class: "commune-hits", "aria-live": "polite" });
  const status = statusRegion();
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form person-search", role: "search" },
    inputField({ name: "q", label: t("communeFinder.label"), hint: t("communeFinder.hint"), minlength: "2", autocomplete: "off" }),
    alertRegion,
    submitButton(t("communeFinder.search"), "secondary"),
  );
  handleSubmit(form, alertRegion, {
    submit: async ({ q }) => {
      const hits = await api(`/communes/official?q=${encodeURIComponent(q.trim())}`);
      announce(status, "");
      results.replaceChildren(
        ...(hits.length
          ? hits.map((commune) => {
              const button = h("button", { type: "button", class: "button button--primary button--small" }, pickLabel(commune));
              button.addEventListener("click", async () => {
                button.disabled = true;
                try {
                  announce(status, await pick(commune), "success");
                } catch (err) {
                  announce(status, errorMessage(err), "error");
                } finally {
                  button.disabled = false;
                }
              });
              return h("li", { class: "commune-hit", "data-insee": commune.insee_code }, h("p", {}, h("strong", {}, commune.name), h("br"), h("span", { class: "field-hint" }, communeDetails(commune))), button);
            })
          : [h("li", {}, t("communeFinder.none"))]),
      );
    },
  });
  return h("div", { class: "person-finder" }, form, results, status);
}
