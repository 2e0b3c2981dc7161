// #/messages — my conversations, most recently active first, with their unread counts; live;
// below them, the people I blocked (« Personnes bloquées »), each with a button to unblock.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, statusRegion } from "../forms.js";
import { getMe } from "../store.js";
import { cachedBanner, refill } from "../ui.js";
import { refreshTimes, timeElement } from "../alerts.js";
import { watchLive } from "../live.js";
import { avatar, badge, memberOrNotice } from "../community.js";
import { refreshUnread } from "../community-nav.js";

/** "Marie Dupont, Paul Martin" or the conversation's title. */
export function conversationName(conversation) {
  const names = conversation.participants.filter((p) => !p.left).map((p) => p.name);
  return conversation.title || names.join(", ") || t("messages.nobodyLeft");
}

/** What the last message says, in one line ("Vous : …" for mine). */
export function messagePreview(message) {
  if (!message) return t("messages.noMessage");
  if (message.kind === "added") return t("messages.added", { name: message.author.name, names: message.body });
  if (message.kind === "left") return t("messages.left", { name: message.author.name });
  const text = message.body.length > 120 ? `${message.body.slice(0, 120)}…` : message.body;
  return message.mine ? t("messages.youWrote", { text }) : text;
}

function conversationCard(conversation) {
  const first = conversation.participants[0];
  return h(
    "article",
    { class: ["conversation-card", conversation.unread > 0 && "conversation-card--unread"], "data-conversation-id": String(conversation.id) },
    avatar(first && first.photo_url, first ? first.name : "", "medium"),
    h(
      "div",
      { class: "conversation-card-text" },
      h(
        "h2",
        { class: "conversation-card-name" },
        h("a", { href: `#/messages/${conversation.id}`, class: "stretched-link" }, conversationName(conversation)),
        conversation.unread > 0 ? [" ", badge("unread", t("messages.unreadBadge", { count: conversation.unread }))] : null,
      ),
      h("p", { class: "conversation-card-preview" }, messagePreview(conversation.last_message)),
      h("p", { class: "conversation-card-meta" }, timeElement(conversation.updated_at)),
    ),
  );
}

/** « Personnes bloquées »: asked for when opened; unblocking brings their conversations back. */
function blockedPeople(onChange) {
  const status = statusRegion();
  const body = h("div", {});
  const details = h(
    "details",
    { class: "history blocked-people" },
    h("summary", {}, t("messages.blockedTitle")),
    h("p", { class: "field-hint" }, t("messages.blockedIntro")),
    status,
    body,
  );

  function row(person) {
    const button = h("button", { type: "button", class: "button button--small button--secondary" }, t("messages.unblock", { name: person.name }));
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api(`/messages/blocks/${encodeURIComponent(person.user_id)}`, { method: "DELETE" });
        announce(status, t("messages.unblocked", { name: person.name }), "success");
        await show();
        onChange();
      } catch (err) {
        button.disabled = false;
        announce(status, errorMessage(err), "error");
      }
    });
    return h("li", { class: "blocked-person", "data-user-id": String(person.user_id) }, h("span", {}, person.name), " ", button);
  }

  async function show() {
    body.replaceChildren(h("p", { class: "loading" }, t("common.loading")));
    try {
      const people = await api("/messages/blocks");
      body.replaceChildren(people.length ? h("ul", { class: "plain-list blocked-list" }, people.map(row)) : h("p", {}, t("messages.blockedNone")));
    } catch (err) {
      body.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
    }
  }

  details.addEventListener("toggle", () => details.open && show());
  return details;
}

export function render(container) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("messages.title"));
  if (!membership) return undefined;
  const cached = cachedBanner(null);
  const list = h("div", { class: "conversation-list" }, h("p", { class: "loading" }, t("common.loading")));

  async function load() {
    try {
      const { data, cachedAt } = await apiRead("/messages/conversations");
      cachedBanner(cachedAt, cached);
      refill(list, data.length ? data.map(conversationCard) : h("p", { class: "lead" }, t("messages.empty")));
    } catch (err) {
      list.replaceChildren(h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    }
  }

  const stopLive = watchLive({ types: ["message.created"], onEvent: () => load(), refresh: load });
  const clock = setInterval(() => refreshTimes(list), 60000);
  mount(
    container,
    h("h1", {}, t("messages.title")),
    h("p", { class: "lead" }, t("messages.intro")),
    h("a", { href: "#/messages/nouveau", class: "button button--primary button--block button--large" }, t("messages.new")),
    cached,
    list,
    blockedPeople(() => load()),
  );
  load();
  refreshUnread();
  return () => {
    stopLive();
    clearInterval(clock);
  };
}
