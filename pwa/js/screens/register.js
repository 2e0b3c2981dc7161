// #/registre — the register of fragile people, for residents: today's « Tout va bien ? » with
// two huge buttons, a registration a relative made that waits for my consent, my own
// registration (or the form to register), the form to register a relative, and the people who
// named me (their record). The link of the register's notifications.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { personFields } from "../register.js";
import { announce, choiceGroup, formAlert, handleSubmit, inputField, selectField, statusRegion, submitButton, textareaField } from "../forms.js";
import { getMe } from "../store.js";

const CHANNELS = ["app", "sms", "call"];

function channelChoices(name, channels = CHANNELS) {
  return choiceGroup({
    name,
    legend: t("register.me.channel"),
    choices: channels.map((value) => ({ value, label: t(`register.channel.${value}`), detail: t(`register.channelDetail.${value}`) })),
  });
}

/** Today's question: the two answers, as big as the safety check's. */
function questionCard(check, reload) {
  const status = statusRegion();
  const state = h("p", { class: "mairie-answer-current" }, t(`register.question.state.${check.state}`));
  async function answer(value, button) {
    const buttons = card.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    try {
      const item = await api(`/register/checks/${encodeURIComponent(check.id)}/answer`, { method: "POST", body: { answer: value } });
      state.textContent = t(`register.question.state.${item.state}`);
      announce(status, t(`register.question.thanks.${value}`), value === "ok" ? "success" : "info");
    } catch (err) {
      announce(status, errorMessage(err));
      reload();
    } finally {
      buttons.forEach((b) => (b.disabled = false));
      button.focus();
    }
  }
  const card = h(
    "section",
    { class: "card mairie-safety register-question", "data-check-id": String(check.id), "aria-labelledby": `question-${check.id}` },
    h("p", { class: "alert-card-kicker" }, t("register.question.from", { title: check.episode_title })),
    h("h2", { id: `question-${check.id}` }, t("register.question.title")),
    state,
    h("button", { type: "button", class: "button button--ok button--block button--huge", onclick: (e) => answer("ok", e.currentTarget) }, t("register.question.ok")),
    h("button", { type: "button", class: "button button--alert button--block button--huge", onclick: (e) => answer("help", e.currentTarget) }, t("register.question.help")),
    status,
  );
  return card;
}

function pendingCard(entry, reload) {
  const status = statusRegion();
  async function reply(agreed) {
    try {
      await api(`/register/${entry.id}/${agreed ? "confirm" : "refuse"}`, { method: "POST" });
      announce(status, t(agreed ? "register.pending.accepted" : "register.pending.refused"), "success");
      setTimeout(reload, 1500);
    } catch (err) {
      announce(status, errorMessage(err));
    }
  }
  return h(
    "section",
    { class: "card", "aria-labelledby": `pending-${entry.id}` },
    h("h2", { id: `pending-${entry.id}` }, t("register.pending.title")),
    h("p", {}, t("register.pending.text", { name: `${entry.first_name} ${entry.last_name}` })),
    h("button", { type: "button", class: "button button--primary button--block", onclick: () => reply(true) }, t("register.pending.accept")),
    h("button", { type: "button", class: "button button--secondary button--block", onclick: () => reply(false) }, t("register.pending.refuse")),
    status,
  );
}

function activeCard(entry, reload) {
  const status = statusRegion();
  const remove = h("button", { type: "button", class: "button button--danger-outline button--block" }, t("register.mine.remove"));
  remove.addEventListener("click", async () => {
    try {
      await api(`/register/${entry.id}/remove`, { method: "POST" });
      announce(status, t("register.mine.removed"), "success");
      setTimeout(reload, 1500);
    } catch (err) {
      announce(status, errorMessage(err));
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "register-mine-title" },
    h("h2", { id: "register-mine-title" }, t("register.mine.title")),
    h("p", {}, t("register.mine.registered", { channel: t(`register.channel.${entry.channel}`).toLowerCase() })),
    remove,
    status,
  );
}

function contactFields() {
  return [
    inputField({ name: "contact_name", label: t("register.me.contactName"), required: false, maxlength: "120", autocomplete: "off" }),
    inputField({ name: "contact_phone", label: t("register.me.contactPhone"), hint: t("register.me.contactsTexted"), required: false, type: "tel", maxlength: "20", autocomplete: "off" }),
    inputField({ name: "contact_relation", label: t("register.me.contactRelation"), required: false, maxlength: "60", autocomplete: "off" }),
  ];
}

function contactsOf(values) {
  return values.contact_name ? [{ name: values.contact_name, phone: values.contact_phone || "", relation: values.contact_relation || "" }] : [];
}

function selfForm(me, done) {
  const memberships = (me.memberships || []).filter((m) => m.status === "active");
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "register-me-title" },
    selectField({ name: "community_id", label: t("register.me.community"), options: memberships.map((m) => [String(m.community_id), m.community_name]), value: memberships[0] ? String(memberships[0].community_id) : "" }),
    channelChoices("channel"),
    textareaField({ name: "health_notes", label: t("register.me.notes"), hint: t("register.me.notesHint"), required: false, rows: 3, maxlength: "1000" }),
    ...contactFields(),
    alertRegion,
    submitButton(t("register.me.submit")),
  );
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      await api("/register/me", {
        method: "POST",
        body: { community_id: Number(values.community_id), channel: values.channel, health_notes: values.health_notes || "", contacts: contactsOf(values) },
      });
      done(t("register.me.done"));
    },
  });
  return h("section", { class: "card", "aria-labelledby": "register-me-title" }, h("h2", { id: "register-me-title" }, t("register.me.title")), form);
}

function relativeForm(me, done) {
  const memberships = (me.memberships || []).filter((m) => m.status === "active");
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "register-relative-title" },
    ...personFields(),
    selectField({ name: "community_id", label: t("register.me.community"), options: memberships.map((m) => [String(m.community_id), m.community_name]), value: memberships[0] ? String(memberships[0].community_id) : "" }),
    channelChoices("relative_channel"),
    inputField({ name: "relation", label: t("register.relative.relation"), required: false, maxlength: "60", autocomplete: "off" }),
    textareaField({ name: "health_notes", label: t("register.me.notes"), hint: t("register.me.notesHint"), required: false, rows: 3, maxlength: "1000" }),
    alertRegion,
    submitButton(t("register.relative.submit"), "secondary"),
  );
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      const entry = await api("/register/relatives", {
        method: "POST",
        body: {
          community_id: Number(values.community_id), first_name: values.first_name, last_name: values.last_name, address: values.address,
          phone: values.phone, channel: values.relative_channel, relation: values.relation || "", health_notes: values.health_notes || "",
        },
      });
      done(t("register.relative.done", { name: `${entry.first_name} ${entry.last_name}` }));
    },
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "register-relative-title" },
    h("h2", { id: "register-relative-title" }, t("register.relative.title")),
    h("p", {}, t("register.relative.intro")),
    form,
  );
}

function namedList(entries) {
  if (!entries.length) return null;
  return h(
    "section",
    { class: "home-section", "aria-labelledby": "register-named-title" },
    h("h2", { id: "register-named-title" }, t("register.named.title")),
    h("ul", { class: "plain-list" }, entries.map((e) => h("li", {}, `${e.first_name} ${e.last_name} — ${e.community_name} · ${t(`register.status.${e.status}`)}`))),
  );
}

export function render(container, { title }) {
  const me = getMe();
  const status = statusRegion();
  const body = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  async function load() {
    try {
      const { data } = await apiRead("/register/mine");
      const own = data.mine.find((e) => e.status === "active");
      const pending = data.mine.filter((e) => e.status === "pending");
      const done = (text) => {
        announce(status, text, "success");
        load();
      };
      body.replaceChildren(
        ...data.checks.map((c) => questionCard(c, load)),
        ...pending.map((e) => pendingCard(e, load)),
        own ? activeCard(own, load) : pending.length ? "" : selfForm(me, done),
        relativeForm(me, done),
        namedList(data.named_by) || "",
        h("a", { href: "#/registre/benevole", class: "button button--secondary button--block" }, t("register.volunteer.title")),
      );
    } catch (err) {
      body.replaceChildren(h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    }
  }
  mount(container, h("h1", {}, t(title)), h("p", { class: "lead" }, t("register.intro")), status, body);
  load();
}
