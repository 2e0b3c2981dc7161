// #/mairie/diffusion — compose a broadcast (or, with ?modifier=<id>, edit a scheduled one):
// category, severity and its channels, text, validity, link, area, scheduling; then the preview
// (recipients, SMS cost, budget) before sending, and a confirmation for « urgence ».
import { h, mount } from "../dom.js";
import { getLang, hasKey, t } from "../i18n.js";
import { monthInWords } from "../time.js";
import { api, errorMessage } from "../api.js";
import { navigate } from "../router.js";
import { announce, checkboxField, choiceGroup, formAlert, handleSubmit, inputField, selectField, textareaField } from "../forms.js";
import { categoryLabel, severityLabel } from "../mairie.js";
import { CATEGORIES, CHANNELS, DEFAULT_CHANNELS, DELIVERY_CHANNELS, SEVERITIES, areaPicker, channelBoxes, channelList, checkedValues, communePath, confirmBox, staffHeading, staffScreen, toLocalInput } from "../mairie-staff.js";

function severityChoices() {
  return SEVERITIES.map((severity) => ({
    value: severity,
    label: severityLabel(severity),
    detail: t("mairie.compose.defaultChannels", { channels: channelList(DEFAULT_CHANNELS[severity]) }),
    className: `choice--${severity}`,
  }));
}

/** Check a choiceGroup's radio and its hidden value (editing a broadcast). */
function choose(form, name, value) {
  const radio = form.querySelector(`input[name="${name}_choice"][value="${CSS.escape(value)}"]`);
  if (radio) radio.checked = true;
  form.elements.namedItem(name).value = value;
}

/** "0,12 €": cents in euros, in the UI language. */
function euros(cents) {
  return new Intl.NumberFormat(getLang(), { style: "currency", currency: "EUR" }).format(cents / 100);
}

/** The neighbourhoods addressed with their people, and who will get nothing and why (counts only). */
function reviewLists(preview) {
  const area = h(
    "div",
    { class: "mairie-review-area" },
    h("h3", {}, t("mairie.compose.areaTitle")),
    h("ul", { class: "mairie-review-list" }, preview.communities.map((c) => h("li", { "data-community": String(c.community_id) }, t("mairie.compose.areaPeople", { name: c.name, count: c.people })))),
  );
  if (!DELIVERY_CHANNELS.some((channel) => preview.channels.includes(channel))) return area; // Gazette only
  const missed = Object.values(preview.not_reached).reduce((a, b) => a + b, 0);
  const smsMissed = Object.entries((preview.skipped && preview.skipped.sms) || {}).filter(([reason]) => hasKey(`mairie.compose.smsMissed.${reason}.other`));
  return [
    area,
    h(
      "div",
      { class: "mairie-review-missed", "data-missed": String(missed) },
      missed
        ? [
            h("h3", {}, t("mairie.compose.missedTitle", { count: missed })),
            h("ul", { class: "mairie-review-list" }, Object.entries(preview.not_reached).map(([reason, count]) => h("li", { "data-reason": reason }, t(`mairie.compose.missed.${reason}`, { count })))),
            h("p", { class: "field-hint" }, t("mairie.compose.missedHint")),
          ]
        : h("p", {}, t("mairie.compose.missedNone")),
      smsMissed.length ? h("ul", { class: "mairie-review-list" }, smsMissed.map(([reason, count]) => h("li", { "data-sms-reason": reason }, t(`mairie.compose.smsMissed.${reason}`, { count })))) : null,
    ),
  ];
}

/** The estimate before sending: who gets what, the SMS cost, and the budget left. */
function previewPanel(preview, severity, { scheduled, onSend }) {
  const budget = preview.budget;
  const smsUsed = preview.channels.includes("sms");
  const rows = [
    [t("mairie.compose.recipients"), String(preview.recipients)],
    ...DELIVERY_CHANNELS.filter((channel) => preview.channels.includes(channel)).map((channel) => [t(`mairie.channels.${channel}`), t("mairie.compose.people", { count: preview.by_channel[channel] || 0 })]),
    preview.channels.includes("gazette") ? [t("mairie.channels.gazette"), t("mairie.compose.gazettePinned")] : null,
  ].filter(Boolean);
  const afterSend = budget.remaining === null ? null : budget.remaining - preview.sms_total;
  const budgetText = budget.monthly_budget
    ? t("mairie.compose.budgetLeft", { remaining: budget.remaining, budget: budget.monthly_budget, month: monthInWords(budget.month) })
    : t("mairie.compose.budgetUnlimited", { used: budget.used, month: monthInWords(budget.month) });
  const confirm = confirmBox();
  const sendLabel = scheduled ? t("mairie.compose.schedule") : severity === "urgence" ? t("mairie.compose.sendUrgent") : t("mairie.compose.send");
  const send = h("button", { type: "button", class: ["button", "button--block", "button--large", severity === "urgence" ? "button--alert" : "button--primary"] }, sendLabel);
  send.addEventListener("click", () => {
    if (severity !== "urgence") onSend(send);
    else {
      const lines = [h("strong", {}, t("mairie.compose.urgentConfirm", { count: preview.recipients, channels: channelList(preview.channels) })), t("mairie.compose.urgentQuiet")];
      confirm.ask(lines, t("mairie.compose.urgentYes"), onSend, "alert");
    }
  });
  return h(
    "section",
    { class: "card mairie-preview", "aria-labelledby": "preview-title", "data-within-budget": String(preview.within_budget) },
    h("h2", { id: "preview-title", tabindex: "-1" }, t("mairie.compose.previewTitle")),
    h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    reviewLists(preview),
    smsUsed
      ? [
          h("p", { class: "mairie-sms-cost" }, t("mairie.compose.smsCost", { count: preview.by_channel.sms || 0, segments: preview.sms_segments, total: preview.sms_total })),
          h("p", { class: "mairie-sms-euros" }, t("mairie.compose.smsEuros", { euros: euros(preview.sms_cost_cents), price: euros(preview.sms_price_cents) })),
          h("p", { class: "field-hint" }, t("mairie.compose.smsText")),
          // The link's number is the broadcast's, created on sending: shown as « …/#/mairie/… ».
          h("blockquote", { class: "mairie-sms-text" }, preview.sms_text ? `${preview.sms_text} ${preview.sms_link}…` : ""),
          h("p", { class: "field-hint mairie-sms-link" }, t("mairie.compose.smsLinkOnSend")),
        ]
      : h("p", { class: "mairie-sms-cost" }, t("mairie.compose.noSms")),
    h("p", {}, budgetText),
    afterSend !== null && smsUsed && preview.within_budget ? h("p", {}, t("mairie.compose.budgetAfter", { remaining: afterSend })) : null,
    preview.within_budget
      ? [send, confirm.element, h("div", { class: "mairie-send-problem", role: "alert" })]
      : h(
          "div",
          { class: "banner banner--error", role: "alert" },
          h("p", {}, h("strong", {}, t("mairie.compose.overBudgetTitle"))),
          h("p", {}, t("mairie.compose.overBudget", { total: preview.sms_total, remaining: budget.remaining, budget: budget.monthly_budget, month: monthInWords(budget.month) })),
        ),
  );
}

function composeForm(commune, existing) {
  const area = areaPicker(commune, { legend: t("mairie.compose.area"), selected: existing && !existing.all_communities ? existing.community_ids : [] });
  const severity = existing ? existing.severity : "";
  const schedule = checkboxField({ name: "schedule", label: t("mairie.compose.scheduleLabel"), checked: Boolean(existing) });
  const scheduledAt = inputField({ name: "scheduled_at", label: t("mairie.compose.scheduledAt"), type: "datetime-local", required: false });
  scheduledAt.hidden = !existing;
  schedule.querySelector("input").addEventListener("change", (event) => {
    scheduledAt.hidden = !event.target.checked;
  });
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "compose-title" },
    selectField({ name: "category", label: t("mairie.compose.category"), options: [["", t("mairie.compose.chooseCategory")], ...CATEGORIES.map((c) => [c, categoryLabel(c)])], value: existing ? existing.category : "" }),
    choiceGroup({ name: "severity", legend: t("mairie.compose.severity"), hint: t("mairie.compose.severityHint"), choices: severityChoices(), className: "choices--main" }),
    channelBoxes(CHANNELS, existing ? existing.channels : [], t("mairie.compose.channels"), t("mairie.compose.channelsHint")),
    inputField({ name: "title", label: t("mairie.compose.titleLabel"), hint: t("mairie.compose.titleHint"), maxlength: "120", minlength: "3", autocomplete: "off", value: existing ? existing.title : "" }),
    textareaField({ name: "body", label: t("mairie.compose.bodyLabel"), hint: t("mairie.compose.bodyHint"), maxlength: "2000" }),
    inputField({ name: "valid_until", label: t("mairie.compose.validUntil"), hint: t("mairie.compose.validUntilHint"), type: "datetime-local", required: false, value: existing ? toLocalInput(existing.valid_until) : "" }),
    inputField({ name: "link", label: t("mairie.compose.link"), hint: t("mairie.compose.linkHint"), type: "url", required: false, inputmode: "url", autocomplete: "off", value: existing ? existing.link : "" }),
    area.element,
    h("fieldset", { class: "choices" }, h("legend", {}, t("mairie.compose.when")), schedule, scheduledAt),
    alertRegion,
    h("button", { type: "submit", class: "button button--primary button--block button--large" }, t("mairie.compose.check")),
  );
  if (existing) {
    form.elements.namedItem("body").value = existing.body;
    form.elements.namedItem("scheduled_at").value = toLocalInput(existing.scheduled_at);
    choose(form, "severity", severity);
  }
  // A new severity brings its default channels (the staff may still change them).
  form.addEventListener("change", (event) => {
    if (event.target.name !== "severity_choice") return;
    const defaults = DEFAULT_CHANNELS[event.target.value];
    form.querySelectorAll("input[name=channels]").forEach((box) => (box.checked = defaults.includes(box.value)));
  });
  return { form, alertRegion, area };
}

function bodyOf(form, values, area) {
  return {
    category: values.category,
    severity: values.severity,
    title: values.title,
    body: values.body,
    channels: checkedValues(form, "channels"),
    community_ids: area.chosen() || [],
    valid_until: values.valid_until || null,
    link: values.link || "",
    scheduled_at: values.schedule ? values.scheduled_at : null,
  };
}

function validate(form, area) {
  return (values) => {
    const errors = {};
    if (values.title && values.title.length < 3) errors.title = t("mairie.compose.titleTooShort");
    if (!checkedValues(form, "channels").length) errors.channels_check = t("mairie.compose.noChannel");
    if (area.chosen() === null) errors.area_check = t("mairie.compose.noCommunity");
    if (values.schedule && !values.scheduled_at) errors.scheduled_at = t("mairie.compose.scheduledAtMissing");
    if (values.link && !/^https?:\/\/\S+$/.test(values.link)) errors.link = t("mairie.compose.linkInvalid");
    return errors;
  };
}

function build(container, commune, existing) {
  const { form, alertRegion, area } = composeForm(commune, existing);
  const previewSlot = h("div", { "aria-live": "polite" });
  let body = null;

  async function send(button) {
    button.disabled = true;
    try {
      const saved = existing
        ? await api(communePath(commune.id, `/broadcasts/${existing.id}`), { method: "PATCH", body })
        : await api(communePath(commune.id, "/broadcasts"), { method: "POST", body });
      navigate(`/mairie/diffusions?${existing ? "modifiee" : "envoyee"}=${saved.id}`);
    } catch (err) {
      button.disabled = false;
      announce(previewSlot.querySelector(".mairie-send-problem"), errorMessage(err), "error");
    }
  }

  handleSubmit(form, alertRegion, {
    validate: validate(form, area),
    submit: async (values) => {
      body = bodyOf(form, values, area);
      const preview = await api(communePath(commune.id, "/broadcasts/preview"), { method: "POST", body });
      previewSlot.replaceChildren(previewPanel(preview, body.severity, { scheduled: Boolean(body.scheduled_at), onSend: send }));
      previewSlot.querySelector("h2").focus();
    },
  });
  // A change after the preview makes it stale: check again before sending.
  const stale = () => {
    if (!body) return;
    body = null;
    previewSlot.replaceChildren(h("p", { class: "banner banner--info" }, t("mairie.compose.changed")));
  };
  form.addEventListener("input", stale);
  form.addEventListener("change", stale);

  mount(
    container,
    ...staffHeading(t(existing ? "mairie.compose.editTitle" : "mairie.compose.title"), commune),
    h("p", {}, t(existing ? "mairie.compose.editIntro" : "mairie.compose.intro")),
    form,
    previewSlot,
  );
  container.querySelector("h1").id = "compose-title";
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    if (!query.modifier) {
      build(container, commune, null);
      return;
    }
    api(communePath(commune.id, `/broadcasts/${encodeURIComponent(query.modifier)}`))
      .then((existing) => {
        if (existing.status !== "scheduled") throw new Error("not scheduled");
        build(container, commune, existing);
      })
      .catch((err) => {
        mount(
          container,
          ...staffHeading(t("mairie.compose.editTitle"), commune),
          h("p", { class: "banner banner--error", role: "alert" }, err.status ? errorMessage(err) : t("mairie.compose.notScheduled")),
          h("a", { href: "#/mairie/diffusions", class: "button button--secondary button--block" }, t("mairie.list.title")),
        );
      });
  });
}
