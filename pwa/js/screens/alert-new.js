// #/alertes/nouvelle — "Donner l'alerte": what, a title, what one sees, where, who else to tell.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead } from "../api.js";
import { checkboxField, choiceGroup, formAlert, handleSubmit, inputField, textareaField } from "../forms.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { CATEGORIES, URGENT, alertMembership, categoryLabel } from "../alerts.js";
import { sendOrQueue } from "../outbox.js";
import { noAlertsNotice } from "./alerts.js";

/** A fresh idempotency key (crypto.randomUUID where the browser has it). */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** "En cas de danger immédiat, appelez le 17 ou le 112", with numbers one can tap to call. */
export function emergencyReminder() {
  return h(
    "p",
    { class: "banner banner--emergency" },
    t("newAlert.emergencyBefore"),
    h("a", { href: "tel:17" }, "17"),
    t("newAlert.emergencyOr"),
    h("a", { href: "tel:112" }, "112"),
    t("newAlert.emergencyAfter"),
  );
}

/**
 * « Prévenir aussi… »: the mairie option only where the mairie takes part, the police option only
 * where the commune has a police contact (else a line says whom to call). Hidden until the
 * community's options are known; if they cannot be read (offline, never seen) both are offered
 * and the server reports a police flag that reached nobody.
 */
function alsoTellFieldset(communityId) {
  const mairie = checkboxField({ name: "notify_mairie", label: t("newAlert.notifyMairie") });
  const police = checkboxField({ name: "notify_police", label: t("newAlert.notifyPolice") });
  const noPolice = h("p", { class: "field-hint", hidden: true }, t("newAlert.noPoliceContact"));
  const fieldset = h("fieldset", { class: "choices", hidden: true }, h("legend", {}, t("newAlert.alsoTell")), mairie, police, noPolice);
  const offer = (label, shown) => {
    label.hidden = !shown;
    if (!shown) label.querySelector("input").checked = false;
  };
  apiRead(`/communities/${encodeURIComponent(communityId)}/alerts/options`)
    .then(({ data }) => ({ mairie: Boolean(data.mairie), police: Boolean(data.police_contact) }))
    .catch(() => ({ mairie: true, police: true }))
    .then((options) => {
      offer(mairie, options.mairie);
      offer(police, options.police);
      noPolice.hidden = options.police;
      fieldset.hidden = false;
    });
  return fieldset;
}

function categoryChoices() {
  return CATEGORIES.map((category) => ({
    value: category,
    label: categoryLabel(category),
    detail: URGENT.has(category) ? t("newAlert.urgentDetail") : null,
    className: URGENT.has(category) ? "choice--urgent" : null,
  }));
}

export function render(container) {
  const me = getMe();
  const membership = alertMembership(me);
  if (!membership) {
    container.append(...noAlertsNotice(me));
    return;
  }
  // One key per alert: made at the first tap on "Envoyer", reused if that send is retried.
  let key = null;
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "new-alert-title" },
    choiceGroup({ name: "category", legend: t("newAlert.category"), choices: categoryChoices(), className: "choices--main" }),
    inputField({ name: "title", label: t("newAlert.titleLabel"), hint: t("newAlert.titleHint"), maxlength: "120", minlength: "3", autocomplete: "off" }),
    textareaField({ name: "body", label: t("newAlert.bodyLabel"), hint: t("newAlert.bodyHint"), maxlength: "2000" }),
    inputField({ name: "place", label: t("newAlert.placeLabel"), hint: t("newAlert.placeHint"), required: false, maxlength: "200", autocomplete: "off" }),
    alsoTellFieldset(membership.community_id),
    alertRegion,
    h("button", { type: "submit", class: "button button--alert button--block button--large" }, t("newAlert.submit")),
  );
  handleSubmit(form, alertRegion, {
    validate: ({ title }) => (title && title.length < 3 ? { title: t("newAlert.titleTooShort") } : {}),
    submit: async (values) => {
      key = key || newKey();
      const body = {
        category: values.category,
        title: values.title,
        body: values.body,
        place: values.place || "",
        notify_mairie: Boolean(values.notify_mairie),
        notify_police: Boolean(values.notify_police),
      };
      const result = await sendOrQueue({
        path: `/communities/${membership.community_id}/alerts`,
        body,
        key,
        kind: "alert",
        userId: me.id,
        info: { community_id: membership.community_id },
      });
      key = null;
      navigate(result.queued ? "/alertes?attente=1" : `/alertes/${result.data.id}?envoyee=1`);
    },
  });
  container.append(
    h("h1", { id: "new-alert-title" }, t("newAlert.title")),
    h("p", { class: "lead" }, t("newAlert.intro", { community: membership.community_name })),
    emergencyReminder(),
    form,
  );
}
