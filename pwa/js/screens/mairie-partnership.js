// #/mairie/participation — « Participation citoyenne » for the mairie's staff: since when the
// mairie takes part, the convention (signatories, date, perimeter, the police/gendarmerie
// referent who acknowledges forwarded alerts by a link), citizen referents, forwarded alerts.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, inputField, selectField, statusRegion } from "../forms.js";
import { personFinder } from "../people-search.js";
import { areaPicker, communePath, savingForm, staffHeading, staffScreen } from "../mairie-staff.js";
import { dayInWords, longDateTime } from "../time.js";

const FORCES = ["gendarmerie", "police"];

function joinedBanner(commune, convention) {
  return convention.mairie_joined_at
    ? h("p", { class: "banner banner--success", "data-joined": convention.mairie_joined_at }, t("partnership.staff.joinedSince", { commune: commune.name, date: dayInWords(convention.mairie_joined_at) }))
    : h("p", { class: "banner banner--info" }, t("partnership.staff.notJoined", { commune: commune.name }));
}

function conventionForm(commune, convention, onSaved) {
  const c = convention;
  const all = c.communities.length === commune.communities.length;
  const area = areaPicker(commune, { legend: t("partnership.staff.perimeter"), selected: all ? [] : c.communities.map((x) => x.id) });
  const field = (name, required = true, attrs = {}) => inputField({ name, label: t(`partnership.staff.${name.replace(/_(\w)/g, (_, l) => l.toUpperCase())}`), required, value: c[name] || "", autocomplete: "off", ...attrs });
  const form = savingForm(
    [
      inputField({ name: "signed_on", label: t("partnership.staff.signedOn"), type: "date", required: false, value: c.signed_on || "" }),
      field("mairie_signatory"),
      selectField({ name: "force", label: t("partnership.staff.force"), value: c.force, options: FORCES.map((f) => [f, t(`partnership.staff.forces.${f}`)]) }),
      field("force_signatory"),
      field("prefecture_signatory", false),
      field("referent_name"),
      field("referent_unit", false),
      field("referent_email", true, { type: "email", inputmode: "email", autocapitalize: "none", spellcheck: "false" }),
      field("referent_phone", false, { type: "tel", inputmode: "tel" }),
      area.element,
    ],
    t("partnership.staff.save"),
    {
      validate: () => (area.chosen() === null ? { area_check: t("partnership.staff.perimeterRequired") } : {}),
      save: async (values) => {
        const chosen = area.chosen();
        const saved = await api(communePath(commune.id, "/partnership"), {
          method: "PUT",
          body: {
            signed_on: values.signed_on || null,
            mairie_signatory: values.mairie_signatory,
            force: values.force,
            force_signatory: values.force_signatory,
            prefecture_signatory: values.prefecture_signatory || "",
            referent_name: values.referent_name,
            referent_unit: values.referent_unit || "",
            referent_email: values.referent_email,
            referent_phone: values.referent_phone || "",
            community_ids: chosen.length ? chosen : commune.communities.map((x) => x.id),
          },
        });
        onSaved(saved); // redrawn with the saved values; the screen's status line says it
        return "";
      },
    },
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "convention-title" },
    h("h2", { id: "convention-title" }, t("partnership.staff.conventionTitle")),
    h("p", {}, t("partnership.staff.conventionIntro")),
    c.recorded ? null : h("p", { class: "banner banner--info" }, t("partnership.staff.notRecorded")),
    form,
  );
}

function referentsSection(commune, convention, onChanged) {
  const list = convention.citizen_referents.length
    ? h(
        "ul",
        { class: "plain-list citizen-referents" },
        convention.citizen_referents.map((r) => {
          const remove = h("button", { type: "button", class: "button button--secondary button--small" }, t("partnership.staff.remove", { name: r.name }));
          remove.addEventListener("click", async () => {
            remove.disabled = true;
            try {
              onChanged(await api(communePath(commune.id, `/partnership/citizen-referents/${r.user_id}`), { method: "DELETE" }), t("partnership.staff.removed", { name: r.name }));
            } catch (err) {
              onChanged(null, errorMessage(err));
            }
          });
          return h("li", { "data-user-id": String(r.user_id) }, t("partnership.staff.referentIn", { name: r.name, communities: r.communities.join(", ") }), " ", remove);
        }),
      )
    : h("p", {}, t("partnership.staff.referentsNone"));
  return h(
    "section",
    { class: "card", "aria-labelledby": "citizen-referents-title" },
    h("h2", { id: "citizen-referents-title" }, t("partnership.staff.referentsTitle")),
    h("p", {}, t("partnership.staff.referentsIntro")),
    list,
    personFinder({
      searchPath: (q) => `${communePath(commune.id, "/people")}?q=${encodeURIComponent(q)}`,
      pickLabel: (hit) => t("partnership.staff.name", { name: hit.name }),
      pick: async (hit) => {
        onChanged(await api(communePath(commune.id, "/partnership/citizen-referents"), { method: "POST", body: { user_id: hit.user_id } }), null);
        return t("partnership.staff.named", { name: hit.name });
      },
    }),
  );
}

function policeAlerts(items) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "police-alerts-title" },
    h("h2", { id: "police-alerts-title" }, t("partnership.staff.policeAlertsTitle")),
    items.length
      ? h(
          "ul",
          { class: "plain-list police-alerts" },
          items.map((item) => {
            const ack = item.acknowledgement;
            let state = t("partnership.staff.awaiting");
            if (item.police_no_contact) state = t("partnership.staff.noContact");
            else if (ack.acknowledged) state = t("partnership.answer.done", { name: ack.by, when: longDateTime(ack.at) });
            return h(
              "li",
              { "data-alert-id": String(item.alert_id) },
              h("a", { href: `#/alertes/${item.alert_id}` }, item.title),
              ` — ${item.community}, ${longDateTime(item.created_at)}`,
              h("br"),
              state,
              ack.note ? [h("br"), t("partnership.answer.noteIs", { note: ack.note })] : null,
            );
          }),
        )
      : h("p", {}, t("partnership.staff.policeAlertsNone")),
  );
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    const message = statusRegion();
    const body = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
    let alertsPart = h("div");

    function show(convention, said = "") {
      announce(message, said, "success");
      const refresh = (updated, text) => (updated ? show(updated, text || "") : announce(message, text || "", "error"));
      mount(body, joinedBanner(commune, convention), conventionForm(commune, convention, (saved) => show(saved, t("partnership.staff.saved"))), referentsSection(commune, convention, refresh), alertsPart);
    }

    Promise.all([apiRead(communePath(commune.id, "/partnership")), apiRead(communePath(commune.id, "/partnership/police-alerts"))])
      .then(([conventionAnswer, alertsAnswer]) => {
        alertsPart = policeAlerts(alertsAnswer.data);
        show(conventionAnswer.data);
      })
      .catch((err) => mount(body, h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err))));
    mount(container, ...staffHeading(t("partnership.staff.title"), commune), message, body);
    return undefined;
  });
}
