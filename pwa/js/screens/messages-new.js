// #/messages/nouveau — write to one or several members chosen from the directory: the
// conversation is created (or the existing one with that person found), then the first message.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { formAlert, handleSubmit, inputField, textareaField } from "../forms.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { memberOrNotice, memberPicker } from "../community.js";
import { newKey } from "./alert-new.js";
import { sendMessage } from "./messages-thread.js";

export function render(container) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("messagesNew.title"));
  if (!membership) return;
  const picker = memberPicker({ communityId: membership.community_id, name: "participants", legend: t("messagesNew.who"), hint: t("messagesNew.whoHint") });
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "messages-new-title" },
    picker.element,
    inputField({ name: "title", label: t("messagesNew.titleLabel"), hint: t("messagesNew.titleHint"), required: false, maxlength: "100", autocomplete: "off" }),
    textareaField({ name: "body", label: t("messagesNew.body"), rows: 4, maxlength: "4000" }),
    alertRegion,
    h("button", { type: "submit", class: "button button--primary button--block button--large" }, t("messagesNew.submit")),
  );
  // One key per conversation and per first message, kept if the send is tried again.
  const conversationKey = newKey();
  const messageKey = newKey();
  let conversation = null;
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      const ids = picker.chosen().map((entry) => entry.user_id);
      if (!conversation) {
        conversation = await api(`/communities/${membership.community_id}/conversations`, {
          method: "POST",
          body: { participant_ids: ids, title: ids.length > 1 ? values.title || "" : "" },
          headers: { "Idempotency-Key": conversationKey },
        });
      }
      await sendMessage({ conversationId: conversation.id, text: values.body, key: messageKey, userId: me.id });
      navigate(`/messages/${conversation.id}`);
    },
  });
  container.append(
    h("h1", { id: "messages-new-title" }, t("messagesNew.title")),
    h("p", { class: "lead" }, t("messagesNew.intro", { community: membership.community_name })),
    form,
  );
}
