// #/veille/nouvelle — set up a check-in: how often, at what time, the note for the watchers, and
// two or more neighbours who will be invited. A referent may set one up for someone else
// (?pour=voisin), recording how that person gave their consent.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { choiceGroup, formAlert, handleSubmit, inputField, selectField, textareaField } from "../forms.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { isoDay, isReferent, memberOrNotice, memberPicker } from "../community.js";

const EVERY_DAYS = [1, 2, 3, 7];
const GRACE_MINUTES = [30, 60, 120, 180];
const CONSENT_METHODS = ["oral", "ecrit", "telephone"];
export const MIN_WATCHERS = 2;
const MAX_WATCHERS = 10;

/** How often, at what hour, how long before the watchers are alerted, and the note. */
export function rhythmFields(checkin = { every_days: 1, check_time: "10:00", grace_minutes: 60, note: "" }) {
  return [
    selectField({ name: "every_days", label: t("checkinsNew.everyDays"), options: EVERY_DAYS.map((n) => [String(n), t("checkins.every", { count: n })]), value: String(checkin.every_days) }),
    inputField({ name: "check_time", label: t("checkinsNew.checkTime"), hint: t("checkinsNew.checkTimeHint"), type: "time", value: checkin.check_time }),
    selectField({
      name: "grace_minutes",
      label: t("checkinsNew.grace"),
      hint: t("checkinsNew.graceHint"),
      options: GRACE_MINUTES.map((n) => [String(n), n < 60 ? t("checkinsNew.minutes", { count: n }) : t("checkinsNew.hours", { count: n / 60 })]),
      value: String(checkin.grace_minutes),
    }),
    textareaField({ name: "note", label: t("checkinsNew.note"), hint: t("checkinsNew.noteHint"), required: false, maxlength: "1000", rows: 4, value: checkin.note }),
  ];
}

/** The rhythm fields as the API wants them. */
export function rhythmBody(values) {
  return { every_days: Number(values.every_days), check_time: values.check_time, grace_minutes: Number(values.grace_minutes), note: values.note || "" };
}

function consentFields() {
  return h(
    "fieldset",
    { class: "form-section" },
    h("legend", {}, t("checkinsNew.consentTitle")),
    h("p", {}, t("checkinsNew.consentText")),
    choiceGroup({ name: "consent_method", legend: t("checkinsNew.consentMethod"), choices: CONSENT_METHODS.map((value) => ({ value, label: t(`checkins.consent.${value}`) })) }),
    inputField({ name: "consent_given_by", label: t("checkinsNew.consentBy"), hint: t("checkinsNew.consentByHint"), required: false, maxlength: "120", autocomplete: "off" }),
    inputField({ name: "consent_given_at", label: t("checkinsNew.consentAt"), type: "date", value: isoDay(), max: isoDay(), min: isoDay(-365) }),
    inputField({ name: "consent_detail", label: t("checkinsNew.consentDetail"), hint: t("checkinsNew.consentDetailHint"), required: false, maxlength: "300", autocomplete: "off" }),
  );
}

function address(me) {
  return [me.address_line1, me.address_line2, `${me.postal_code} ${me.city}`].filter(Boolean).join(", ");
}

export function render(container, { query }) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("checkinsNew.title"));
  if (!membership) return;
  const communityId = membership.community_id;
  const forSomeone = query.pour === "voisin" && isReferent(me, communityId);
  const person = forSomeone
    ? memberPicker({ communityId, name: "person_id", legend: t("checkinsNew.person"), hint: t("checkinsNew.personHint"), single: true })
    : null;
  const watchers = memberPicker({ communityId, name: "watcher_ids", legend: t("checkinsNew.watchers"), hint: t("checkinsNew.watchersHint", { min: MIN_WATCHERS }) });
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "checkins-new-title" },
    person ? [person.element, consentFields()] : h("section", { class: "card" }, h("h2", {}, t("checkinsNew.addressTitle")), h("p", { class: "postal-address" }, address(me)), h("p", {}, t("checkinsNew.addressText"))),
    h("fieldset", { class: "form-section" }, h("legend", {}, t("checkinsNew.rhythmTitle")), rhythmFields()),
    watchers.element,
    alertRegion,
    h("button", { type: "submit", class: "button button--primary button--block button--large" }, t("checkinsNew.submit")),
  );
  handleSubmit(form, alertRegion, {
    validate: (values) => {
      const ids = values.watcher_ids ? values.watcher_ids.split(",") : [];
      const errors = {};
      if (ids.length && ids.length < MIN_WATCHERS) errors.watcher_ids = t("checkinsNew.tooFew", { min: MIN_WATCHERS });
      if (ids.length > MAX_WATCHERS) errors.watcher_ids = t("checkinsNew.tooMany", { max: MAX_WATCHERS });
      if (values.person_id && ids.includes(values.person_id)) errors.watcher_ids = t("checkinsNew.personIsWatcher");
      return errors;
    },
    submit: async (values) => {
      const body = { ...rhythmBody(values), watcher_ids: values.watcher_ids.split(",").map(Number) };
      if (forSomeone) {
        body.person_id = Number(values.person_id);
        body.consent = { method: values.consent_method, given_at: values.consent_given_at, detail: values.consent_detail || "" };
        if (values.consent_given_by) body.consent.given_by = values.consent_given_by;
      }
      const checkin = await api(`/communities/${communityId}/checkins`, { method: "POST", body });
      navigate(`/veille/${checkin.id}?creee=1`);
    },
  });
  container.append(
    h("h1", { id: "checkins-new-title" }, t(forSomeone ? "checkinsNew.titleFor" : "checkinsNew.title")),
    h("p", { class: "lead" }, t(forSomeone ? "checkinsNew.introFor" : "checkinsNew.intro")),
    form,
  );
}
