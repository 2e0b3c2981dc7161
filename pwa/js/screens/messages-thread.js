// #/messages/<id> — one conversation: its messages (older ones on demand), the send box (offline,
// a message waits in the outbox with its Idempotency-Key and shows "en attente d'envoi"), live
// new messages, reading marks, and adding people (they see what is written from then on),
// leaving, blocking and unblocking, reporting.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { ApiError, api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { announce, formAlert, handleSubmit, statusRegion, textareaField } from "../forms.js";
import { cachedBanner, notice } from "../ui.js";
import { refreshTimes, timeElement } from "../alerts.js";
import { shortDateTime } from "../time.js";
import { watchLive } from "../live.js";
import { listOutbox, onOutboxChange, removeFromOutbox, sendOrQueue } from "../outbox.js";
import { badge, buttonWithReason, confirmButton, keyedList, memberPicker } from "../community.js";
import { refreshUnread, setOpenConversation } from "../community-nav.js";
import { newKey } from "./alert-new.js";
import { conversationName } from "./messages.js";

const PAGE = 50;
const MAX_PEOPLE = 50; // the server's limit per conversation, me included

function conversationPath(conversationId) {
  return `/messages/conversations/${encodeURIComponent(conversationId)}`;
}

/**
 * POST a message with its Idempotency-Key, or keep it in the outbox when the network is away
 * (replayed with the same key: created once). Returns {data: Message} or {queued: item}.
 */
export function sendMessage({ conversationId, text, key, userId }) {
  return sendOrQueue({
    path: `${conversationPath(conversationId)}/messages`,
    body: { body: text },
    key,
    kind: "message",
    userId,
    info: { conversation_id: conversationId },
  });
}

function bubble(message, mine) {
  if (message.kind !== "text") {
    const text = message.kind === "added" ? t("messages.added", { name: message.author.name, names: message.body }) : t("messages.left", { name: message.author.name });
    return h("p", { class: "message-note", "data-message-id": String(message.id) }, text, " · ", timeElement(message.created_at));
  }
  return h(
    "article",
    { class: ["message", mine ? "message--mine" : "message--theirs"], "data-message-id": String(message.id) },
    h("p", { class: "message-author" }, mine ? t("messages.you") : message.author.name),
    h("p", { class: "message-body" }, message.body),
    h("p", { class: "message-meta" }, timeElement(message.created_at)),
  );
}

/** A message still in the outbox: waiting for the network, or refused by the server. */
function queuedBubble(item, onRemove) {
  const failed = item.state === "failed";
  const reason = item.error ? errorMessage(new ApiError(item.error.status, item.error.detail, item.error.code)) : "";
  return h(
    "article",
    { class: ["message", "message--mine", failed ? "message--failed" : "message--pending"], "data-outbox-id": item.id },
    h("p", { class: "message-author" }, t("messages.you"), " ", badge(failed ? "failed" : "pending", t(failed ? "messages.failed" : "messages.pending"))),
    h("p", { class: "message-body" }, item.body.body),
    h("p", { class: "message-meta" }, t("outbox.writtenAt", { when: shortDateTime(item.createdAt) })),
    failed ? [h("p", { class: "banner banner--error" }, reason), h("button", { type: "button", class: "button button--small button--danger-outline", onclick: onRemove }, t("messages.removeFailed"))] : null,
  );
}

export function render(container, { params }) {
  const me = getMe();
  const conversationId = Number(params.id);
  const cached = cachedBanner(null);
  const status = statusRegion();
  const announcer = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const heading = h("h1", {}, t("messages.conversation"));
  const who = h("p", { class: "lead" });
  const list = keyedList("message-list", "asc");
  const queued = h("div", { class: "message-list" });
  const older = h("button", { type: "button", class: "button button--secondary button--block", hidden: true }, t("messages.older"));
  const closed = h("p", { class: "banner banner--info", hidden: true }, t("messages.closed"));
  const options = h("div", {});
  let nextBefore = null;
  let lastId = 0;
  let offline = false;
  let readUpTo = 0;

  function put(message, { live = false } = {}) {
    const mine = message.mine ?? message.author.id === me.id;
    const isNew = list.put(message.id, bubble(message, mine));
    lastId = Math.max(lastId, message.id);
    if (isNew && live && !mine) announcer.textContent = t("messages.newLive", { name: message.author.name });
  }

  /** Tell the server what was read (online, visible page), then refresh the badges. */
  async function markRead() {
    if (offline || lastId <= readUpTo || document.visibilityState !== "visible") return;
    readUpTo = lastId;
    await api(`${conversationPath(conversationId)}/read`, { method: "POST", body: { message_id: lastId } }).catch(() => undefined);
    refreshUnread();
  }

  async function loadPage(before = null) {
    const query = before ? `?before=${before}&limit=${PAGE}` : `?limit=${PAGE}`;
    const { data, cachedAt } = await apiRead(`${conversationPath(conversationId)}/messages${query}`);
    if (!before) {
      offline = Boolean(cachedAt);
      cachedBanner(cachedAt, cached);
      const firstUnread = data.items.find((m) => m.id > (data.last_read || 0) && !m.mine && m.kind === "text");
      if (firstUnread && data.last_read && !list.has(data.last_read + 0.5)) {
        list.put(data.last_read + 0.5, h("p", { class: "new-messages-line" }, h("span", {}, t("messages.newLine"))));
      }
    }
    data.items.forEach((message) => put(message));
    if (before || nextBefore === null) nextBefore = data.next_before;
    older.hidden = !nextBefore;
  }

  /** The messages after the last one shown (live catch-up and polling). */
  async function loadNewer() {
    try {
      const { data } = await apiRead(`${conversationPath(conversationId)}/messages?after=${lastId}&limit=${PAGE}`);
      data.items.forEach((message) => put(message, { live: true }));
      markRead();
    } catch {
      // offline: the next refresh catches up
    }
  }

  async function showQueued() {
    const items = (await listOutbox("message")).filter((item) => item.info.conversation_id === conversationId && item.userId === me.id);
    queued.replaceChildren(...items.map((item) => queuedBubble(item, () => removeFromOutbox(item.id))));
  }

  function sendForm(conversation) {
    const alertRegion = formAlert();
    const form = h(
      "form",
      { class: "form send-box" },
      textareaField({ name: "body", label: t("messages.yourMessage"), rows: 3, maxlength: "4000" }),
      alertRegion,
      h("button", { type: "submit", class: "button button--primary button--block button--large" }, t("messages.send")),
    );
    let key = null; // one key per message, kept when the same message is tried again
    handleSubmit(form, alertRegion, {
      submit: async ({ body }) => {
        key = key || newKey();
        const result = await sendMessage({ conversationId: conversation.id, text: body, key, userId: me.id });
        key = null;
        form.reset();
        if (result.data) {
          put(result.data);
          markRead();
        } else {
          await showQueued();
          // online but not taken now (too many messages this hour, server busy): it waits and leaves later
          announce(status, t(navigator.onLine === false ? "messages.queued" : "messages.queuedLater"), "info");
        }
        form.querySelector("textarea").focus();
      },
    });
    return form;
  }

  /** "Ajouter des personnes": the member picker of a new conversation, without those already in it. */
  function addPeople(conversation, present) {
    const box = h("div", { class: "add-people" });
    if (present.length + 1 >= MAX_PEOPLE) return h("p", { class: "field-hint" }, t("messages.addFull", { count: MAX_PEOPLE }));
    const open = h("button", { type: "button", class: "button button--secondary button--block" }, t("messages.addPeople"));
    open.addEventListener("click", () => {
      open.hidden = true;
      const picker = memberPicker({ communityId: conversation.community_id, name: "user_ids", legend: t("messages.addWho"), hint: t("messages.addHint"), exclude: [me.id, ...present.map((p) => p.id)] });
      const alertRegion = formAlert();
      const close = () => {
        box.replaceChildren();
        open.hidden = false;
        open.focus();
      };
      const form = h(
        "form",
        { class: "form" },
        picker.element,
        alertRegion,
        h(
          "div",
          { class: "button-row" },
          h("button", { type: "submit", class: "button button--primary" }, t("messages.addSubmit")),
          h("button", { type: "button", class: "button button--secondary", onclick: close }, t("common.cancel")),
        ),
      );
      handleSubmit(form, alertRegion, {
        submit: async () => {
          const added = picker.chosen();
          const updated = await api(`${conversationPath(conversation.id)}/participants`, { method: "POST", body: { user_ids: added.map((entry) => entry.user_id) } });
          showConversation(updated, null);
          loadNewer();
          announce(status, t("messages.addedDone", { names: added.map((entry) => entry.name).join(", ") }), "success");
        },
      });
      box.replaceChildren(form);
      form.querySelector("input[type=search]").focus();
    });
    return h("div", {}, open, box);
  }

  /** Block (or unblock, for those already blocked: asked when the menu opens) each other participant. */
  function blockButtons(others, fail) {
    const box = h("div", {});
    const show = (blocked) =>
      box.replaceChildren(
        ...others.map((person) =>
          blocked.has(person.id)
            ? h(
                "button",
                {
                  type: "button",
                  class: "button button--secondary button--block",
                  onclick: async () => {
                    try {
                      await api(`/messages/blocks/${encodeURIComponent(person.id)}`, { method: "DELETE" });
                      blocked.delete(person.id);
                      show(blocked);
                      announce(status, t("messages.unblocked", { name: person.name }), "success");
                    } catch (err) {
                      fail(err);
                    }
                  },
                },
                t("messages.unblock", { name: person.name }),
              )
            : confirmButton({
                label: t("messages.block", { name: person.name }),
                question: t("messages.blockQuestion", { name: person.name }),
                yes: t("messages.blockYes"),
                action: async () => {
                  await api("/messages/blocks", { method: "POST", body: { user_id: person.id } });
                  navigate("/messages");
                },
                onError: fail,
              }),
        ),
      );
    show(new Set());
    return {
      element: box,
      refresh: () =>
        api("/messages/blocks")
          .then((rows) => show(new Set(rows.map((row) => row.user_id))))
          .catch(() => undefined),
    };
  }

  function optionsSection(conversation) {
    const fail = (err) => announce(status, errorMessage(err), "error");
    const others = conversation.participants.filter((p) => !p.left);
    const blocking = blockButtons(others, fail);
    const details = h(
      "details",
      { class: "history conversation-options" },
      h("summary", {}, t("messages.options")),
      addPeople(conversation, others),
      confirmButton({
        label: t("messages.leave"),
        question: t("messages.leaveQuestion"),
        yes: t("messages.leaveYes"),
        action: async () => {
          await api(`${conversationPath(conversation.id)}/leave`, { method: "POST" });
          navigate("/messages");
        },
        onError: fail,
      }),
      blocking.element,
      buttonWithReason({
        label: t("messages.report"),
        form: {
          label: t("messages.reportReason"),
          hint: t("messages.reportHint"),
          submitLabel: t("messages.reportSend"),
          onSubmit: async (reason) => {
            await api(`${conversationPath(conversation.id)}/report`, { method: "POST", body: { reason } });
            announce(status, t("messages.reported"), "success");
          },
        },
      }),
    );
    details.addEventListener("toggle", () => details.open && blocking.refresh());
    return details;
  }

  /** Name, who is in it, and its menu (none from the offline copy). */
  function showConversation(conversation, cachedAt) {
    heading.textContent = conversationName(conversation);
    document.title = `${heading.textContent} — Vigie`;
    const present = conversation.participants.filter((p) => !p.left).map((p) => p.name);
    // A title names the group, not its members: say who is in it (a two-person one is named after them).
    who.textContent = conversation.title && present.length ? t("messages.with", { names: present.join(", ") }) : "";
    who.hidden = !who.textContent;
    const wasOpen = options.firstElementChild && options.firstElementChild.open;
    options.replaceChildren(cachedAt ? "" : optionsSection(conversation));
    if (wasOpen && options.firstElementChild) options.firstElementChild.open = true;
  }

  async function load() {
    try {
      const { data: conversation, cachedAt } = await apiRead(conversationPath(conversationId));
      showConversation(conversation, cachedAt);
      await loadPage();
      const canPost = conversation.can_post !== false;
      closed.hidden = canPost;
      if (canPost) form.replaceChildren(sendForm(conversation));
      const last = list.element.lastElementChild;
      if (last) last.scrollIntoView({ block: "center" });
      markRead();
    } catch (err) {
      mount(container, ...notice({ title: t("messages.conversation"), text: errorMessage(err), kind: "error", href: "#/messages", link: t("messages.back"), variant: "secondary" }));
    }
  }

  const form = h("div", {});
  older.addEventListener("click", async () => {
    older.disabled = true;
    await loadPage(nextBefore).catch((err) => announce(status, errorMessage(err), "error"));
    older.disabled = false;
  });
  const stopOutbox = onOutboxChange((message) => {
    if (message.type === "sent" && message.kind === "message" && message.data && message.data.conversation_id === conversationId) {
      put(message.data);
      announce(status, "");
    }
    showQueued();
  });
  const stopLive = watchLive({
    types: ["message.created"],
    onEvent: (type, message) => {
      if (message.conversation_id !== conversationId) return;
      put(message, { live: true });
      markRead();
    },
    refresh: () => loading.then(loadNewer), // after the first load: newer than the last message it showed
  });
  const onVisible = () => markRead();
  document.addEventListener("visibilitychange", onVisible);
  const clock = setInterval(() => refreshTimes(list.element), 60000);
  setOpenConversation(conversationId);
  container.append(
    heading,
    who,
    cached,
    announcer,
    older,
    list.element,
    queued,
    closed,
    status,
    form,
    options,
    h("a", { href: "#/messages", class: "button button--secondary button--block" }, t("messages.back")),
  );
  showQueued();
  const loading = load();
  return () => {
    setOpenConversation(null);
    stopOutbox();
    stopLive();
    document.removeEventListener("visibilitychange", onVisible);
    clearInterval(clock);
  };
}
