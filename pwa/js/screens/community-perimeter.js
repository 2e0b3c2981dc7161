// #/quartiers/perimetre?id=N — mairie staff and the community's referents list the streets and/or
// postal codes it covers (nothing listed: the whole commune). Who may join or be activated follows it.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { announce, checkboxField, formAlert, handleSubmit, statusRegion, submitButton, textareaField } from "../forms.js";
import { card } from "../ui.js";

function summary(community) {
  const streets = community.streets.length;
  const codes = community.perimeter_postal_codes;
  if (!streets && !codes.length) return t("perimeter.wholeCommune", { commune: community.commune_name });
  return t("perimeter.narrowed", { streets, codes: codes.join(", ") || "—" });
}

function perimeterForm(community, onSaved) {
  const alertRegion = formAlert();
  const done = statusRegion();
  const streets = textareaField({ name: "streets", label: t("perimeter.streets"), hint: t("perimeter.streetsHint"), required: false, rows: 8 });
  streets.querySelector("textarea").value = community.streets.join("\n");
  const codes = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, t("perimeter.postalCodes")),
    h("p", { class: "field-hint" }, t("perimeter.postalCodesHint")),
    community.commune_postal_codes.map((code) =>
      checkboxField({ name: "postal_codes", value: code, label: code, checked: community.perimeter_postal_codes.includes(code) })),
  );
  const form = h("form", { class: "form" }, streets, codes, alertRegion, submitButton(t("perimeter.save")));
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      announce(done, "");
      const chosen = [...form.querySelectorAll("input[name=postal_codes]:checked")].map((input) => input.value);
      const saved = await api(`/communities/${community.id}/perimeter`, {
        method: "PUT",
        body: { streets: (values.streets || "").split("\n").map((s) => s.trim()).filter(Boolean), postal_codes: chosen },
      });
      streets.querySelector("textarea").value = saved.streets.join("\n");
      announce(done, t("perimeter.saved"), "success");
      onSaved(saved);
    },
  });
  return h("div", {}, form, done);
}

export async function render(container, { query }) {
  const id = Number(query.id);
  container.append(h("h1", {}, t("perimeter.title")));
  if (!Number.isInteger(id) || id <= 0) {
    container.append(h("p", { class: "banner banner--error" }, t("errors.community_not_found")));
    return;
  }
  let community;
  try {
    community = await api(`/communities/${id}`);
  } catch (err) {
    container.append(h("p", { class: "banner banner--error" }, errorMessage(err)));
    return;
  }
  const current = h("p", { class: "lead", role: "status" }, summary(community));
  container.append(
    h("p", {}, h("strong", {}, community.name), ` — ${community.commune_name} (${community.commune_postal_codes.join(", ")})`),
    current,
    card(t("perimeter.editTitle"), h("p", {}, t("perimeter.intro")), perimeterForm(community, (saved) => {
      current.textContent = summary(saved);
    })),
    h("p", {}, h("a", { href: "#/quartiers", class: "link-large" }, t("perimeter.back"))),
  );
}
