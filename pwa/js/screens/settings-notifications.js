// Sections of #/reglages about being told: channels and quiet hours, this account's devices and
// this device's notifications, and reading without Internet.
import { h } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, checkboxField, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "../forms.js";
import { card } from "../ui.js";
import { longDateTime } from "../time.js";
import { alertMembership } from "../alerts.js";
import { PushSetupError, enablePush, forgetThisDevice, pushState, thisDeviceSubscription } from "../push-client.js";
import { prepareOffline, storageUsed } from "../offline-prep.js";

/** Channels and quiet hours (GET/PUT /me/preferences). */
export function preferencesSection(me) {
  const alertRegion = formAlert();
  const done = statusRegion();
  const quietTimes = h(
    "div",
    { class: "field-pair", hidden: true },
    inputField({ name: "quiet_start", label: t("notifications.quietFrom"), type: "time", required: false }),
    inputField({ name: "quiet_end", label: t("notifications.quietTo"), type: "time", required: false }),
  );
  // A landline or a foreign number: no SMS choice, and why (the API refuses sms_unavailable).
  const sms = checkboxField({ name: "sms", label: t("channels.sms"), detail: me.phone });
  const noSms = h("p", { class: "field-hint", hidden: true }, t("notifications.smsUnavailable", { phone: me.phone }));
  // « SMS de secours »: an urgent alert whose notification did not reach the phone in time.
  const smsFallback = checkboxField({ name: "sms_fallback", label: t("notifications.smsFallback"), detail: t("notifications.smsFallbackDetail") });
  const quiet = checkboxField({ name: "quiet", label: t("notifications.quiet"), detail: t("notifications.quietDetail") });
  quiet.querySelector("input").addEventListener("change", (event) => (quietTimes.hidden = !event.target.checked));
  const form = h(
    "form",
    { class: "form", hidden: true },
    h(
      "fieldset",
      { class: "choices" },
      h("legend", {}, t("notifications.channels")),
      checkboxField({ name: "push", label: t("channels.push"), detail: t("notifications.pushDetail") }),
      checkboxField({ name: "email", label: t("channels.email"), detail: me.email }),
      sms,
      noSms,
      smsFallback,
    ),
    quiet,
    quietTimes,
    alertRegion,
    submitButton(t("notifications.save")),
  );
  const loading = h("p", { class: "loading" }, t("common.loading"));
  handleSubmit(form, alertRegion, {
    validate: (values) =>
      values.quiet && !(values.quiet_start && values.quiet_end) ? { [values.quiet_start ? "quiet_end" : "quiet_start"]: t("notifications.quietBoth") } : {},
    submit: async (values) => {
      announce(done, "");
      const prefs = {
        push: Boolean(values.push),
        email: Boolean(values.email),
        sms: Boolean(values.sms),
        sms_fallback: Boolean(values.sms_fallback),
        quiet_start: values.quiet ? values.quiet_start : null,
        quiet_end: values.quiet ? values.quiet_end : null,
      };
      fill(await api("/me/preferences", { method: "PUT", body: prefs }));
      announce(done, t("notifications.saved"), "success");
    },
  });
  function fill(prefs) {
    for (const name of ["push", "email", "sms"]) form.elements.namedItem(name).checked = Boolean(prefs[name]);
    form.elements.namedItem("sms_fallback").checked = prefs.sms_fallback !== false;
    sms.hidden = !prefs.sms_available;
    smsFallback.hidden = !prefs.sms_available;
    noSms.hidden = Boolean(prefs.sms_available);
    if (!prefs.sms_available) form.elements.namedItem("sms").checked = false;
    const hasQuiet = Boolean(prefs.quiet_start && prefs.quiet_end);
    form.elements.namedItem("quiet").checked = hasQuiet;
    quietTimes.hidden = !hasQuiet;
    form.elements.namedItem("quiet_start").value = prefs.quiet_start || "22:00";
    form.elements.namedItem("quiet_end").value = prefs.quiet_end || "07:00";
  }
  apiRead("/me/preferences")
    .then(({ data }) => {
      fill(data);
      loading.remove();
      form.hidden = false;
    })
    .catch((err) => announce(done, errorMessage(err), "error"));
  return card(t("notifications.title"), h("p", {}, t("notifications.intro")), loading, form, done);
}

function setupMessage(err) {
  return err instanceof PushSetupError ? t(`push.errors.${err.code}`) : errorMessage(err);
}

/** This device (the opt-in button) and every device of the account, with test and delete. */
export function devicesSection() {
  const status = statusRegion();
  const here = h("div", {});
  const list = h("ul", { class: "device-list" });

  async function showDevices() {
    let devices = [];
    let current = null;
    try {
      [devices, current] = await Promise.all([api("/push/subscriptions"), thisDeviceSubscription().catch(() => null)]);
    } catch (err) {
      list.replaceChildren(h("li", {}, errorMessage(err)));
      return;
    }
    list.replaceChildren(
      ...(devices.length ? devices.map((device) => deviceItem(device, current && current.id === device.id)) : [h("li", {}, t("push.noDevices"))]),
    );
  }

  function deviceItem(device, isThisDevice) {
    const test = async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        await api(`/push/subscriptions/${device.id}/test`, { method: "POST" });
        announce(status, t("push.testSent"), "success");
      } catch (err) {
        announce(status, errorMessage(err), "error");
      }
      button.disabled = false;
    };
    const remove = async (event) => {
      event.currentTarget.disabled = true;
      try {
        await api(`/push/subscriptions/${device.id}`, { method: "DELETE" });
        if (isThisDevice) await forgetThisDevice();
        announce(status, t("push.removed"), "success");
      } catch (err) {
        announce(status, errorMessage(err), "error");
      }
      showDevices();
      showThisDevice();
    };
    return h(
      "li",
      { class: "device" },
      h("p", { class: "device-name" }, device.device_label || t("push.unnamed"), isThisDevice ? h("span", { class: "badge badge--resolved" }, t("push.thisDevice")) : null),
      h("p", { class: "field-hint" }, t("push.addedOn", { when: longDateTime(device.created_at) })),
      device.silent
        ? h("div", { class: "banner banner--error", "data-silent": "true" }, h("strong", {}, t("push.silent")), " ", t("push.silentHelp"))
        : null,
      h(
        "div",
        { class: "button-row" },
        h("button", { type: "button", class: "button button--secondary", onclick: test }, t("push.test")),
        h("button", { type: "button", class: "button button--danger-outline", onclick: remove }, t("push.remove")),
      ),
    );
  }

  async function showThisDevice() {
    const state = pushState();
    const subscribed = state === "granted" && (await thisDeviceSubscription().catch(() => null));
    if (state === "unsupported" || state === "denied") {
      here.replaceChildren(h("p", { class: "banner banner--info" }, t(`push.state.${state}`)));
      return;
    }
    if (subscribed) {
      here.replaceChildren(h("p", { class: "banner banner--success" }, t("push.state.on")));
      return;
    }
    const button = h("button", { type: "button", class: "button button--primary button--block" }, t("push.enable"));
    button.addEventListener("click", async () => {
      button.disabled = true;
      announce(status, t("push.enabling"), "info");
      try {
        await enablePush();
        announce(status, t("push.enabled"), "success");
        await Promise.all([showThisDevice(), showDevices()]);
      } catch (err) {
        announce(status, setupMessage(err), "error");
        button.disabled = false;
      }
    });
    here.replaceChildren(h("p", {}, t("push.state.off")), button);
  }

  showThisDevice();
  showDevices();
  return card(t("push.title"), here, status, h("h3", {}, t("push.devicesTitle")), list);
}

function formatBytes(bytes) {
  const megabytes = bytes / (1024 * 1024);
  return new Intl.NumberFormat(getLang(), { style: "unit", unit: "megabyte", maximumFractionDigits: 1 }).format(megabytes);
}

/** How much the app keeps on the device, and "Préparer pour hors ligne". */
export function offlineSection(me) {
  const membership = alertMembership(me);
  const usage = h("p", {});
  const status = statusRegion();
  async function showUsage() {
    const bytes = await storageUsed().catch(() => null);
    usage.textContent = bytes === null ? t("offlinePrep.usageUnknown") : t("offlinePrep.usage", { size: formatBytes(bytes) });
  }
  const button = h("button", { type: "button", class: "button button--secondary button--block", hidden: !membership }, t("offlinePrep.prepare"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    announce(status, t("offlinePrep.working"), "info");
    try {
      const count = await prepareOffline(membership.community_id);
      announce(status, t("offlinePrep.done", { count }), "success");
    } catch (err) {
      announce(status, errorMessage(err), "error");
    }
    button.disabled = false;
    showUsage();
  });
  showUsage();
  return card(t("offlinePrep.title"), h("p", {}, t("offlinePrep.intro")), usage, button, status);
}
