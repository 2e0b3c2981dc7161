// #/admin/adhesions — admins review the mairies' applications (« Mairie vigilante et solidaire »):
// approve (agents invited by e-mail, the commune marked as taking part) or refuse with a reason.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { announce, statusRegion, textareaField } from "../forms.js";
import { savingForm, staffScreen } from "../mairie-staff.js";
import { longDateTime } from "../time.js";

function decisionPart(app, onDecided) {
  if (app.status !== "pending") return app.reason ? h("p", {}, t("partnership.admin.reasonIs", { reason: app.reason })) : null;
  const approve = h("button", { type: "button", class: "button button--primary" }, t("partnership.admin.approve"));
  approve.addEventListener("click", async () => {
    approve.disabled = true;
    try {
      onDecided(await api(`/mairie-applications/${app.id}/approve`, { method: "POST" }), t("partnership.admin.approved", { commune: app.commune_name }));
    } catch (err) {
      approve.disabled = false;
      onDecided(null, errorMessage(err));
    }
  });
  const refuse = savingForm(textareaField({ name: "reason", label: t("partnership.admin.reason"), maxlength: "1000", rows: 3 }), t("partnership.admin.refuse"), {
    save: async ({ reason }) => {
      onDecided(await api(`/mairie-applications/${app.id}/refuse`, { method: "POST", body: { reason } }), t("partnership.admin.refused", { commune: app.commune_name }));
      return "";
    },
  });
  return [approve, refuse];
}

function applicationCard(app, onDecided) {
  const agents = app.agents.map((a) => `${a.first_name} ${a.last_name} (${a.email})`).join(", ");
  return h(
    "li",
    { class: "card", "data-application": String(app.id) },
    h("h2", {}, `${app.commune_name} (${app.country_name}, ${app.insee_code})`),
    h("p", {}, h("strong", {}, t(`partnership.admin.statuses.${app.status}`)), " · ", t("partnership.admin.received", { when: longDateTime(app.created_at) })),
    h("p", {}, t("partnership.admin.contact", { name: app.contact_name, role: app.contact_role, email: app.contact_email, phone: app.contact_phone })),
    h("p", {}, t("partnership.admin.agents", { agents })),
    app.message ? h("p", { class: "alert-body" }, app.message) : null,
    decisionPart(app, onDecided),
  );
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query, adminOnly: true }, () => {
    const message = statusRegion();
    const list = h("ul", { class: "plain-list applications" }, h("li", { class: "loading" }, t("common.loading")));
    async function load(said = "", kind = "success") {
      try {
        const apps = await api("/mairie-applications");
        list.replaceChildren(...(apps.length ? apps.map((app) => applicationCard(app, (updated, text) => (updated ? load(text) : announce(message, text, "error")))) : [h("li", {}, t("partnership.admin.none"))]));
        announce(message, said, kind);
      } catch (err) {
        announce(message, errorMessage(err), "error");
      }
    }
    mount(container, h("h1", {}, t("partnership.admin.title")), h("p", { class: "lead" }, t("partnership.admin.intro")), message, list);
    load();
    return undefined;
  });
}
