// #/mairie/signalements — alerts flagged for the mairie or the police: acknowledge each with a
// note the author reads; the police/gendarmerie contact of the commune; referents per community.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, formAlert, handleSubmit, inputField, selectField, statusRegion, submitButton, textareaField } from "../forms.js";
import { cachedBanner } from "../ui.js";
import { alertCard, cardList, readAlertList } from "../alerts.js";
import { when } from "../mairie.js";
import { coalesce, communePath, savingForm, staffHeading, staffScreen, tabs, watchCommune } from "../mairie-staff.js";

const STATES = ["awaiting", "acknowledged", "all"];

function ackText(ack) {
  return [
    h("p", { class: "banner banner--success" }, t("mairie.inbox.acknowledged", { by: ack.by, when: when(ack.at) })),
    ack.note ? h("p", {}, t("mairie.inbox.noteIs", { note: ack.note })) : null,
  ];
}

/** The acknowledgement of one alert: done (who, when, note), or the form to do it. */
function ackPart(commune, item, onDone) {
  if (item.acknowledgement.acknowledged) return ackText(item.acknowledgement);
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form" },
    textareaField({ name: "note", label: t("mairie.inbox.note"), hint: t("mairie.inbox.noteHint"), required: false, maxlength: "1000", rows: 3 }),
    alertRegion,
    submitButton(t("mairie.inbox.acknowledge")),
  );
  handleSubmit(form, alertRegion, {
    submit: async ({ note }) => {
      const ack = await api(communePath(commune.id, `/forwarded-alerts/${item.alert.id}/acknowledge`), { method: "POST", body: { note: note || "" } });
      onDone({ ...item, acknowledgement: ack });
    },
  });
  return form;
}

function inboxCard(commune, item, onDone) {
  const alert = item.alert;
  const to = [alert.notify_mairie && t("mairie.inbox.toMairie"), alert.notify_police && t("mairie.inbox.toPolice")].filter(Boolean).join(", ");
  return alertCard(alert, {
    extra: [
      h("p", { class: "alert-card-meta" }, t("mairie.inbox.community", { community: alert.community_name }), " · ", t("mairie.inbox.sentTo", { to })),
      alert.notify_police && alert.police_no_contact ? h("p", { class: "banner banner--info" }, t("mairie.inbox.policeNoContact")) : null,
      h("p", { class: "alert-body" }, alert.body),
      ackPart(commune, item, onDone),
    ],
  });
}

/** The police/gendarmerie contact who receives alerts flagged « police ». */
function policeCard(commune) {
  const current = h("p", {}, t("common.loading"));
  const field = inputField({ name: "police_email", label: t("mairie.police.email"), hint: t("mairie.police.hint"), type: "email", required: false, autocomplete: "off", inputmode: "email" });
  const show = (email) => {
    current.textContent = email ? t("mairie.police.current", { email }) : t("mairie.police.none");
    field.querySelector("input").value = email;
  };
  const form = savingForm(field, t("mairie.police.save"), {
    save: async ({ police_email: email }) => {
      show((await api(communePath(commune.id, "/police-contact"), { method: "PUT", body: { police_email: email || "" } })).police_email);
      return t("mairie.police.saved");
    },
  });
  apiRead(communePath(commune.id, "/police-contact"))
    .then(({ data }) => show(data.police_email))
    .catch((err) => (current.textContent = errorMessage(err)));
  return h("section", { class: "card", "aria-labelledby": "police-title" }, h("h2", { id: "police-title" }, t("mairie.police.title")), h("p", {}, t("mairie.police.intro")), current, form);
}

/**
 * Choosing the person: the community's directory where this account may read it (admins,
 * moderators), otherwise their account number.
 */
async function personField(me, communityId) {
  if (me.is_admin || me.is_moderator) {
    try {
      const people = await api(`/communities/${communityId}/directory`);
      const options = people.map((p) => [String(p.user_id), p.role === "referent" ? t("mairie.referents.already", { name: p.name }) : p.name]);
      return selectField({ name: "user_id", label: t("mairie.referents.person"), options: [["", t("mairie.referents.choose")], ...options] });
    } catch {
      // no directory for this account: the number field below
    }
  }
  return inputField({ name: "user_id", label: t("mairie.referents.userId"), hint: t("mairie.referents.userIdHint"), inputmode: "numeric", pattern: "[0-9]*", autocomplete: "off" });
}

function referentsCard(commune, me) {
  const personSlot = h("div", {});
  const community = selectField({ name: "community", label: t("mairie.referents.community"), options: commune.communities.map((c) => [String(c.id), c.name]) });
  const form = savingForm([community, personSlot], t("mairie.referents.appoint"), {
    validate: ({ user_id: userId }) => (userId && !/^\d+$/.test(userId) ? { user_id: t("mairie.referents.userIdInvalid") } : {}),
    save: async ({ community: communityId, user_id: userId }) => {
      await api(`/communities/${communityId}/referents`, { method: "POST", body: { user_id: Number(userId) } });
      return t("mairie.referents.done", { community: commune.communities.find((c) => String(c.id) === communityId).name });
    },
  });
  const fillPerson = async () => personSlot.replaceChildren(await personField(me, form.elements.namedItem("community").value));
  form.elements.namedItem("community").addEventListener("change", fillPerson);
  if (commune.communities.length) fillPerson();
  return h(
    "section",
    { class: "card", "aria-labelledby": "referents-title" },
    h("h2", { id: "referents-title" }, t("mairie.referents.title")),
    h("p", {}, t("mairie.referents.intro")),
    commune.communities.length ? form : h("p", {}, t("mairie.referents.noCommunity")),
  );
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune, me }) => {
    const state = STATES.includes(query.etat) ? query.etat : "awaiting";
    const cached = cachedBanner(null);
    const message = statusRegion();
    const list = cardList();
    const acknowledged = new Map(); // alert id → acknowledged, to redraw only what changed
    const empty = h("p", { class: "lead", hidden: true }, t(`mairie.inbox.empty.${state}`));
    const problem = h("div", { role: "alert" });
    const communityIds = new Set(commune.communities.map((c) => c.id));

    function show(item) {
      const done = item.acknowledgement.acknowledged;
      if (state === "awaiting" && done) {
        list.remove(item.alert.id);
        acknowledged.delete(item.alert.id);
        return;
      }
      if (acknowledged.get(item.alert.id) === done) return; // a note may be being written there
      acknowledged.set(item.alert.id, done);
      list.put(item.alert.id, inboxCard(commune, item, (updated) => {
        announce(message, t("mairie.inbox.done", { title: updated.alert.title }), "success");
        show(updated);
        empty.hidden = list.size > 0;
      }));
    }

    const load = () => readAlertList(communePath(commune.id, `/inbox?state=${state}`), { show, list, cached, empty, problem });

    const reload = coalesce(load);
    const stopLive = watchCommune(commune.id, {
      onSection: (section) => section === "forwarded_awaiting" && reload(),
      onAlert: (alert) => communityIds.has(alert.community_id) && (alert.notify_mairie || alert.notify_police) && reload(),
      refresh: load,
    });
    mount(
      container,
      ...staffHeading(t("mairie.inbox.title"), commune),
      h("p", {}, t("mairie.inbox.intro")),
      tabs(t("mairie.inbox.tabsLabel"), STATES.map((value) => [value, `#/mairie/signalements?etat=${value}`, t(`mairie.inbox.tabs.${value}`)]), state),
      cached,
      message,
      problem,
      list.element,
      empty,
      policeCard(commune),
      referentsCard(commune, me),
    );
    load();
    return () => {
      stopLive();
      reload.cancel();
    };
  });
}
