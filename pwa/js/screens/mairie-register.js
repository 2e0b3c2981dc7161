// #/mairie/registre — the commune's register of fragile people: every entry (status, channel,
// people to call, volunteers), the phone consent of those a relative registered, assigning a
// person to a volunteer who offered, and keying in a paper form with the consent.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { foreignNumber, personFields } from "../register.js";
import { announce, choiceGroup, formAlert, handleSubmit, inputField, selectField, statusRegion, submitButton, textareaField } from "../forms.js";
import { communePath, staffHeading, staffScreen } from "../mairie-staff.js";

function entryItem(commune, entry, volunteers, message, reload) {
  const act = (fn, done) => async () => {
    try {
      await fn();
      announce(message, done, "success");
      reload();
    } catch (err) {
      announce(message, errorMessage(err));
    }
  };
  const select = h(
    "select",
    { class: "input", "aria-label": `${t("mairie.register.assign")} — ${entry.first_name} ${entry.last_name}` },
    volunteers.map((v) => h("option", { value: String(v.user_id) }, `${v.first_name} ${v.last_name} (${v.community_name})`)),
  );
  return h(
    "li",
    { class: "card register-entry", "data-entry-id": String(entry.id) },
    h("h3", {}, `${entry.first_name} ${entry.last_name}`),
    h("p", { class: "alert-card-kicker" }, `${t(`register.status.${entry.status}`)} · ${t(`register.channel.${entry.channel}`)}`),
    h("p", {}, `${entry.address} — ${entry.community_name}${entry.phone ? ` — ${entry.phone}` : ""}`),
    entry.health_notes ? h("p", {}, entry.health_notes) : null,
    entry.contacts.length
      ? h(
          "ul",
          { class: "register-contacts", "aria-label": t("mairie.register.contacts", { names: "" }).replace(/[:\s]+$/, "") },
          entry.contacts.map((c) => h("li", {}, t(`mairie.register.contact.${c.has_account ? "member" : c.texted ? "texted" : foreignNumber(c.phone) ? "foreign" : "landline"}`, { name: c.name, phone: c.phone }))),
        )
      : null,
    entry.volunteers.length ? h("p", {}, t("mairie.register.volunteers", { names: entry.volunteers.join(", ") })) : null,
    entry.status === "pending"
      ? h("button", { type: "button", class: "button button--secondary", onclick: act(() => api(communePath(commune.id, `/register/${entry.id}/call-confirmation`), { method: "POST", body: { agreed: true, detail: "" } }), t("mairie.register.confirmed")) }, t("mairie.register.confirmCall"))
      : null,
    entry.status === "active" && volunteers.length
      ? h(
          "div",
          { class: "field-row" },
          select,
          h("button", { type: "button", class: "button button--small button--secondary", onclick: act(() => api(communePath(commune.id, `/volunteers/${select.value}/assignments`), { method: "POST", body: { entry_id: entry.id } }), t("mairie.register.assigned")) }, t("mairie.register.assignButton")),
        )
      : null,
  );
}

function paperForm(commune, done) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "register-paper-title" },
    ...personFields(),
    selectField({ name: "community_id", label: t("register.me.community"), options: (commune.communities || []).map((c) => [String(c.id), c.name]) }),
    selectField({ name: "channel", label: t("register.me.channel"), options: ["call", "sms", "app"].map((c) => [c, t(`register.channel.${c}`)]), value: "call" }),
    textareaField({ name: "health_notes", label: t("register.me.notes"), required: false, rows: 3, maxlength: "1000" }),
    inputField({ name: "contact_name", label: t("register.me.contactName"), required: false, maxlength: "120", autocomplete: "off" }),
    inputField({ name: "contact_phone", label: t("register.me.contactPhone"), hint: t("register.me.contactsTexted"), required: false, type: "tel", maxlength: "20", autocomplete: "off" }),
    choiceGroup({ name: "consent", legend: t("mairie.register.consent"), choices: ["ecrit", "oral", "telephone"].map((value) => ({ value, label: t(`mairie.register.consentMethod.${value}`) })) }),
    inputField({ name: "consent_detail", label: t("mairie.register.consentDetail"), required: false, maxlength: "300", autocomplete: "off" }),
    alertRegion,
    submitButton(t("mairie.register.paperSubmit")),
  );
  handleSubmit(form, alertRegion, {
    submit: async (v) => {
      await api(communePath(commune.id, "/register"), {
        method: "POST",
        body: {
          community_id: Number(v.community_id), first_name: v.first_name, last_name: v.last_name, address: v.address, phone: v.phone || "",
          channel: v.channel, health_notes: v.health_notes || "", consent: { method: v.consent, detail: v.consent_detail || "" },
          contacts: v.contact_name ? [{ name: v.contact_name, phone: v.contact_phone || "" }] : [],
        },
      });
      form.reset();
      done();
    },
  });
  return h("section", { class: "card", "aria-labelledby": "register-paper-title" }, h("h2", { id: "register-paper-title" }, t("mairie.register.paperTitle")), form);
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    const message = statusRegion();
    const list = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
    async function load() {
      try {
        const [{ data: entries }, { data: volunteers }] = await Promise.all([apiRead(communePath(commune.id, "/register")), apiRead(communePath(commune.id, "/volunteers"))]);
        const shown = entries.filter((e) => e.status !== "removed");
        list.replaceChildren(
          shown.length ? h("ul", { class: "plain-list" }, shown.map((e) => entryItem(commune, e, volunteers, message, load))) : h("p", {}, t("mairie.register.empty")),
          volunteers.length ? "" : h("p", { class: "banner banner--info" }, t("mairie.register.noVolunteer")),
        );
      } catch (err) {
        list.replaceChildren(h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
      }
    }
    mount(container, ...staffHeading(t("mairie.register.title"), commune), h("p", {}, t("mairie.register.intro")), message, list, paperForm(commune, () => {
      announce(message, t("mairie.register.paperDone"), "success");
      load();
    }));
    load();
    return undefined;
  });
}
