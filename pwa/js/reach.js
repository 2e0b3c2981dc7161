// « Recevoir les alertes sur ce téléphone »: until an alert reaches the member some other way than
// by e-mail (SMS on a mobile, or push on one of their devices), the home page shows a card; right
// after activation the same step is shown once. Its button turns push on for this device — the
// flow of Réglages → Notifications (push-client.js).
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { apiRead, errorMessage } from "./api.js";
import { announce, statusRegion } from "./forms.js";
import { PushSetupError, enablePush, pushState } from "./push-client.js";

/** True when alerts reach the member elsewhere than in their mailbox (GET /me/preferences). */
export function reachedBeyondEmail(prefs) {
  return Boolean((prefs.sms && prefs.sms_available) || prefs.devices > 0);
}

/** The push part of the step: the button, or why this device cannot (unsupported, blocked). */
export function pushStep(onEnabled = () => undefined) {
  const status = statusRegion();
  const state = pushState();
  if (state === "unsupported" || state === "denied") {
    return h("div", { class: "reach-push" }, h("p", { class: "banner banner--info" }, t(`push.state.${state}`)));
  }
  const button = h("button", { type: "button", class: "button button--primary button--block" }, t("push.enable"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    announce(status, t("push.enabling"), "info");
    try {
      await enablePush();
      button.hidden = true;
      announce(status, t("push.enabled"), "success");
      onEnabled();
    } catch (err) {
      announce(status, err instanceof PushSetupError ? t(`push.errors.${err.code}`) : errorMessage(err), "error");
      button.disabled = false;
    }
  });
  return h("div", { class: "reach-push" }, button, status);
}

/** The home card: empty while loading, and for good once SMS or push reaches the member. */
export function reachCard() {
  const slot = h("div", { class: "reach-slot" });
  apiRead("/me/preferences")
    .then(({ data }) => {
      if (reachedBeyondEmail(data)) return;
      slot.replaceChildren(
        h(
          "section",
          { class: "card card--warning", "aria-labelledby": "reach-title" },
          h("h2", { id: "reach-title" }, t("reach.title")),
          h("p", {}, t("reach.emailOnly")),
          pushStep(),
          data.sms_available && !data.sms ? h("p", {}, t("reach.smsToo")) : null,
          h("a", { href: "#/reglages", class: "link-large" }, t("reach.settingsLink")),
        ),
      );
    })
    .catch(() => undefined); // offline: nothing to add to the home page
  return slot;
}

/** The screen right after the activation code: welcome, then push for this phone, then home. */
export function activatedStep(me, membership) {
  const title = h("h1", { id: "reach-step-title", tabindex: "-1" }, t("reach.title"));
  const sms = h("p", { hidden: true });
  apiRead("/me/preferences")
    .then(({ data }) => {
      if (data.sms && data.sms_available) {
        sms.textContent = t("reach.smsOn", { phone: me.phone });
        sms.hidden = false;
      }
    })
    .catch(() => undefined);
  return {
    title,
    nodes: [
      title,
      h("p", { class: "lead", role: "status" }, t("reach.activated", { community: membership.community_name })),
      sms,
      pushStep(),
      h("a", { href: "#/", class: "button button--secondary button--block" }, t("reach.continue")),
    ],
  };
}
