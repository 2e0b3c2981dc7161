// #/activation — enter the 8-character code of the activation letter; ask for a new letter.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "../forms.js";
import { getMe, pendingMembership, setMe } from "../store.js";
import { card, notice } from "../ui.js";
import { activatedStep } from "../reach.js";

const CODE_LENGTH = 8;

/** What the user typed, without spaces or dashes, in capitals. */
export function normaliseCode(text) {
  return text.replace(/[\s\-‐-―_.]/g, "").toUpperCase();
}

function postalAddress(me) {
  return [me.address_line1, me.address_line2, `${me.postal_code} ${me.city}`].filter(Boolean);
}

function codeForm(membership, onActivated) {
  const alertRegion = formAlert();
  const field = inputField({
    name: "code",
    label: t("activation.codeLabel"),
    hint: t("activation.codeHint"),
    class: "input input--code",
    autocomplete: "one-time-code",
    autocapitalize: "characters",
    autocorrect: "off",
    spellcheck: "false",
    maxlength: "20",
  });
  const input = field.querySelector("input");
  input.addEventListener("input", () => {
    const caret = input.selectionStart;
    input.value = input.value.toUpperCase();
    input.setSelectionRange(caret, caret);
  });
  const form = h("form", { class: "form" }, field, alertRegion, submitButton(t("activation.submit")));
  return handleSubmit(form, alertRegion, {
    validate: ({ code }) => {
      const length = normaliseCode(code || "").length;
      return code && length !== CODE_LENGTH ? { code: t("activation.codeLength", { count: length }) } : {};
    },
    submit: async ({ code }) => {
      const me = await api("/verification/redeem", {
        method: "POST",
        body: { code: normaliseCode(code), community_id: membership.community_id },
      });
      setMe(me);
      onActivated(me);
    },
  });
}

function reissueSection(me, membership) {
  const status = statusRegion();
  const confirmBox = h("div", { class: "card card--warning", hidden: true });
  const ask = h("button", { type: "button", class: "button button--secondary button--block", "aria-expanded": "false" }, t("activation.reissueButton"));
  const cancel = () => {
    confirmBox.hidden = true;
    ask.setAttribute("aria-expanded", "false");
    ask.focus();
  };
  const send = async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await api("/verification/reissue", { method: "POST", body: { community_id: membership.community_id } });
      confirmBox.hidden = true;
      ask.hidden = true;
      announce(status, t("activation.reissueDone"), "success");
    } catch (err) {
      announce(status, errorMessage(err), "error");
    } finally {
      button.disabled = false;
    }
  };
  confirmBox.append(
    h("p", {}, t("activation.reissueConfirm")),
    h("address", { class: "postal-address" }, postalAddress(me).map((line) => h("span", {}, line))),
    h("p", {}, t("activation.reissueWarning")),
    h("div", { class: "button-row" },
      h("button", { type: "button", class: "button button--primary", onclick: send }, t("activation.reissueYes")),
      h("button", { type: "button", class: "button button--secondary", onclick: cancel }, t("common.cancel")),
    ),
  );
  ask.addEventListener("click", () => {
    confirmBox.hidden = false;
    ask.setAttribute("aria-expanded", "true");
    confirmBox.querySelector("button").focus();
  });
  return card(t("activation.reissueTitle"), h("p", {}, t("activation.reissueText")), ask, confirmBox, status);
}

export function render(container) {
  const me = getMe();
  const membership = pendingMembership(me);
  if (!membership) {
    container.append(...notice({ title: t("activation.title"), text: t("activation.alreadyActive"), kind: "success", href: "#/", link: t("common.backHome") }));
    return;
  }
  container.append(
    h("h1", {}, t("activation.title")),
    h("p", { class: "lead" }, t("activation.intro", { community: membership.community_name })),
    h("p", {}, t("activation.letterInfo")),
    codeForm(membership, (me) => {
      // Once, right after the code: « Recevoir les alertes sur ce téléphone », then home.
      const step = activatedStep(me, membership);
      container.replaceChildren(...step.nodes);
      step.title.focus();
    }),
    reissueSection(me, membership),
  );
}
