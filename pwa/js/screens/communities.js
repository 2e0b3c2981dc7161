// #/quartiers — my communities: their status, joining another one of my address, moving house
// (a new address means a new letter), and for referents and mairie staff the perimeter link.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "../forms.js";
import { communityPicker, idFromInput } from "../community-picker.js";
import { getMe, setMe } from "../store.js";
import { card } from "../ui.js";

function perimeterLink(communityId) {
  return h("a", { href: `#/quartiers/perimetre?id=${communityId}`, class: "link-large" }, t("communities.editPerimeter"));
}

function mineSection(me) {
  const items = (me.memberships || []).map((m) =>
    h(
      "li",
      {},
      h("strong", {}, m.community_name), ` (${m.commune_name}) — `,
      t(`communities.status.${m.status}`, {}),
      m.role === "referent" ? ` · ${t("communities.referent")}` : "",
      m.role === "referent" && m.status === "active" ? h("div", {}, perimeterLink(m.community_id)) : null,
    ),
  );
  return card(
    t("communities.mineTitle"),
    items.length ? h("ul", { class: "plain-list" }, items) : h("p", {}, t("communities.none")),
    h("p", { class: "field-hint" }, t("communities.rule")),
  );
}

function joinSection(me, refresh) {
  const picker = communityPicker();
  const alertRegion = formAlert();
  const done = statusRegion();
  const form = h("form", { class: "form" }, h("p", {}, t("communities.joinIntro")), picker.element, alertRegion,
    submitButton(t("communities.joinSubmit"), "secondary"));
  handleSubmit(form, alertRegion, {
    validate: (values) => (values.community_id ? {} : { community_id: t("picker.required") }),
    submit: async (values) => {
      announce(done, "");
      const joined = await api(`/communities/${idFromInput(values.community_id)}/join`, { method: "POST" });
      announce(done, t(joined.status === "active" ? "communities.joinedActive" : "communities.joinedPending"), "success");
      await refresh();
    },
  });
  if (me.postal_code) picker.suggest(me.postal_code);
  return { element: card(t("communities.joinTitle"), form, done), destroy: () => picker.destroy() };
}

function moveSection(refresh) {
  const picker = communityPicker();
  const alertRegion = formAlert();
  const done = statusRegion();
  const postal = inputField({ name: "postal_code", label: t("fields.postalCode"), autocomplete: "postal-code", inputmode: "numeric", maxlength: "5" });
  postal.querySelector("input").addEventListener("change", (event) => {
    const value = event.target.value.trim();
    if (/^\d{4,5}$/.test(value)) picker.suggest(value);
  });
  const form = h(
    "form",
    { class: "form" },
    h("p", {}, t("communities.moveIntro")),
    inputField({ name: "address_line1", label: t("fields.address"), autocomplete: "address-line1" }),
    inputField({ name: "address_line2", label: t("fields.address2"), autocomplete: "address-line2", required: false }),
    postal,
    inputField({ name: "city", label: t("fields.city"), autocomplete: "address-level2" }),
    picker.element,
    alertRegion,
    submitButton(t("communities.moveSubmit"), "secondary"),
  );
  handleSubmit(form, alertRegion, {
    validate: (values) => (values.community_id ? {} : { community_id: t("picker.required") }),
    submit: async (values) => {
      announce(done, "");
      const me = await api("/verification/address", {
        method: "PUT",
        body: {
          address_line1: values.address_line1, address_line2: values.address_line2 || "", postal_code: values.postal_code,
          city: values.city, community_id: idFromInput(values.community_id),
        },
      });
      setMe(me);
      form.reset();
      announce(done, t("communities.moved"), "success");
      await refresh();
    },
  });
  return { element: card(t("communities.moveTitle"), form, done), destroy: () => picker.destroy() };
}

async function staffSection() {
  const slot = h("div", {});
  try {
    const communes = await api("/communes");
    slot.append(card(
      t("communities.staffTitle"),
      h("p", {}, t("communities.staffIntro")),
      h("ul", { class: "plain-list" }, communes.flatMap((commune) => commune.communities.map((c) =>
        h("li", {}, h("strong", {}, c.name), ` (${commune.name}) `, perimeterLink(c.id))))),
    ));
  } catch (err) {
    slot.append(h("p", { class: "banner banner--error" }, errorMessage(err)));
  }
  return slot;
}

export function render(container) {
  const me = getMe();
  const mine = h("div", {}, mineSection(me));
  const refresh = async () => {
    const fresh = await api("/auth/me");
    setMe(fresh);
    mine.replaceChildren(mineSection(fresh));
  };
  const join = joinSection(me, refresh);
  const move = moveSection(refresh);
  container.append(h("h1", {}, t("communities.title")), mine, join.element, move.element);
  if ((me.mairie_communes || []).length || me.is_admin) staffSection().then((slot) => container.append(slot));
  return () => {
    join.destroy();
    move.destroy();
  };
}
