// #/police/accuse?jeton=… — the police/gendarmerie referent acknowledges a forwarded alert, without
// an account: the signed link of the e-mail is the key (POST /police-acknowledgements).
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { formAlert, handleSubmit, inputField, submitButton, textareaField } from "../forms.js";
import { longDateTime } from "../time.js";

function doneText(view) {
  return [
    h("p", { class: "banner banner--success", role: "status" }, t("partnership.ack.done", { name: view.name, when: longDateTime(view.acknowledged_at) })),
    view.note ? h("p", {}, t("partnership.ack.noteIs", { note: view.note })) : null,
  ];
}

function alertPart(view) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "ack-alert-title" },
    h("p", { class: "alert-card-kicker" }, h("span", { class: "alert-category" }, view.category)),
    h("h2", { id: "ack-alert-title" }, view.title),
    h("p", {}, t("partnership.ack.where", { community: view.community, commune: view.commune })),
    h("p", {}, t("partnership.ack.when", { when: longDateTime(view.created_at) })),
    view.place ? h("p", {}, t("partnership.ack.place", { place: view.place })) : null,
    h("p", { class: "alert-body" }, view.body),
  );
}

export function render(container, { query, title }) {
  const token = query.jeton || "";
  if (!token) {
    mount(container, h("h1", {}, t(title)), h("p", { class: "banner banner--error", role: "alert" }, t("partnership.ack.noToken")));
    return;
  }
  mount(container, h("h1", {}, t(title)), h("p", { class: "loading" }, t("common.loading")));
  api("/police-acknowledgements/view", { method: "POST", body: { token } })
    .then((view) => {
      const answer = h("div", { "aria-live": "polite" });
      if (view.acknowledged) {
        answer.append(...doneText(view));
      } else {
        const alertRegion = formAlert();
        const form = h(
          "form",
          { class: "form" },
          inputField({ name: "name", label: t("partnership.ack.name"), autocomplete: "name", maxlength: "120" }),
          textareaField({ name: "note", label: t("partnership.ack.note"), hint: t("partnership.ack.noteHint"), required: false, maxlength: "1000", rows: 3 }),
          alertRegion,
          submitButton(t("partnership.ack.submit")),
        );
        handleSubmit(form, alertRegion, {
          submit: async ({ name, note }) => {
            const ack = await api("/police-acknowledgements", { method: "POST", body: { token, name, note: note || "" } });
            answer.replaceChildren(...doneText({ name: ack.by, note: ack.note, acknowledged_at: ack.at }), h("p", {}, t("partnership.ack.thanks")));
            answer.querySelector(".banner").setAttribute("tabindex", "-1");
            answer.querySelector(".banner").focus();
          },
        });
        answer.append(form);
      }
      mount(container, h("h1", {}, t(title)), h("p", { class: "lead" }, t("partnership.ack.intro")), alertPart(view), answer);
    })
    .catch((err) => {
      mount(container, h("h1", {}, t(title)), h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    });
}
