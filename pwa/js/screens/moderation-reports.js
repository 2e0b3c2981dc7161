// #/moderation/signalements — moderators and admins: the Gazette posts and the conversations that
// members reported. A post is kept online or removed (with a reason for its author); a conversation
// is read only under its open report (the reading is logged) and the report closed with a note.
import { h, uid } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { announce, statusRegion } from "../forms.js";
import { notice } from "../ui.js";
import { canModerate } from "../alerts.js";
import { longDateTime } from "../time.js";

/** A labelled text field with its id, for a reason or a note. */
function textField(label, required) {
  const id = uid("moderation-text");
  const field = h("textarea", { id, class: "input input--area", rows: "2", maxlength: "500", required });
  return { field, element: h("div", { class: "field" }, h("label", { for: id, class: "field-label" }, label), field) };
}

function reportLines(reports) {
  return h("ul", { class: "plain-list" }, reports.map((r) => h("li", {}, t("office.reports.reportBy", { name: r.reporter.name, reason: r.reason }), " — ", longDateTime(r.created_at))));
}

function postCard(item, onDone) {
  const post = item.post;
  const status = statusRegion();
  const reason = textField(t("office.reports.reasonLabel"), true);
  const removeBox = h("div", { class: "card card--warning", hidden: true }, reason.element);
  async function decide(action, button) {
    button.disabled = true;
    try {
      await api(`/moderation/gazette-reports/${post.id}`, { method: "POST", body: { action, reason: action === "remove" ? reason.field.value.trim() : "" } });
      onDone(t(action === "remove" ? "office.reports.removed" : "office.reports.kept"));
    } catch (err) {
      announce(status, errorMessage(err), "error");
      button.disabled = false;
    }
  }
  const keep = h("button", { type: "button", class: "button button--secondary" }, t("office.reports.keep"));
  keep.addEventListener("click", () => decide("dismiss", keep));
  const remove = h("button", { type: "button", class: "button button--danger-outline" }, t("office.reports.remove"));
  const confirm = h("button", { type: "button", class: "button button--danger-outline" }, t("office.reports.confirmRemove"));
  remove.addEventListener("click", () => {
    removeBox.hidden = false;
    reason.field.focus();
  });
  confirm.addEventListener("click", () => decide("remove", confirm));
  removeBox.append(h("div", { class: "button-row" }, confirm));
  return h(
    "article",
    { class: "card report-card", "data-post-id": String(post.id) },
    h("h3", {}, post.title),
    h("p", { class: "alert-card-meta" }, `${post.kind_label} · ${t("office.reports.community", { community: item.community_name })} · ${t("office.reports.author", { name: post.author.name })}`),
    h("p", { class: "alert-body" }, post.body),
    reportLines(item.reports),
    h("div", { class: "button-row" }, keep, remove),
    removeBox,
    status,
  );
}

function conversationCard(report, onDone) {
  const status = statusRegion();
  const reading = h("div", { class: "report-reading" });
  const note = textField(t("office.reports.noteLabel"), false);
  const read = h("button", { type: "button", class: "button button--secondary" }, t("office.reports.read"));
  read.addEventListener("click", async () => {
    read.disabled = true;
    try {
      const conversation = await api(`/moderation/conversations/${report.conversation_id}?report_id=${report.id}`);
      reading.replaceChildren(
        h("p", { class: "banner banner--info" }, t("office.reports.readLogged")),
        h("ol", { class: "plain-list report-messages" }, conversation.messages.map((m) => h("li", {}, h("strong", {}, m.author.name), ` (${longDateTime(m.created_at)}) : `, m.body))),
      );
    } catch (err) {
      announce(status, errorMessage(err), "error");
      read.disabled = false;
    }
  });
  const close = h("button", { type: "button", class: "button button--primary" }, t("office.reports.close"));
  close.addEventListener("click", async () => {
    close.disabled = true;
    try {
      await api(`/moderation/conversation-reports/${report.id}/close`, { method: "POST", body: { note: note.field.value.trim() } });
      onDone(t("office.reports.closed"));
    } catch (err) {
      announce(status, errorMessage(err), "error");
      close.disabled = false;
    }
  });
  return h(
    "article",
    { class: "card report-card", "data-report-id": String(report.id) },
    h("h3", {}, t("office.reports.community", { community: report.community_name })),
    h("p", {}, t("office.reports.participants", { names: report.participants.map((p) => p.name).join(", ") })),
    reportLines([report]),
    h("div", { class: "button-row" }, read),
    reading,
    note.element,
    h("div", { class: "button-row" }, close),
    status,
  );
}

export function render(container, { title }) {
  const me = getMe();
  if (!canModerate(me)) {
    container.append(...notice({ title: t(title), text: t("errors.forbidden"), kind: "error", href: "#/", link: t("common.backHome") }));
    return undefined;
  }
  const status = statusRegion();
  const posts = h("div", { class: "report-list" }, h("p", { class: "loading" }, t("common.loading")));
  const conversations = h("div", { class: "report-list" }, h("p", { class: "loading" }, t("common.loading")));

  /** A decision done: say so, take its card away, and the next card gets the focus. */
  const done = (list, card, text, none) => {
    const next = card.nextElementSibling || card.previousElementSibling;
    card.remove();
    status.replaceChildren(h("p", { class: "banner banner--success" }, text));
    if (!list.children.length) list.append(h("p", {}, t(none)));
    const control = next && next.querySelector("button");
    if (control) control.focus({ preventScroll: true });
  };

  async function load() {
    try {
      const [reported, reports] = await Promise.all([api("/moderation/gazette-reports?state=open"), api("/moderation/conversation-reports?state=open")]);
      posts.replaceChildren(...(reported.length ? reported.map((item) => {
        const card = postCard(item, (text) => done(posts, card, text, "office.reports.postsNone"));
        return card;
      }) : [h("p", {}, t("office.reports.postsNone"))]));
      conversations.replaceChildren(...(reports.length ? reports.map((report) => {
        const card = conversationCard(report, (text) => done(conversations, card, text, "office.reports.conversationsNone"));
        return card;
      }) : [h("p", {}, t("office.reports.conversationsNone"))]));
    } catch (err) {
      posts.replaceChildren(h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
      conversations.replaceChildren();
    }
  }

  container.append(
    h("p", { class: "mairie-back" }, h("a", { href: "#/moderation" }, t("moderation.title"))),
    h("h1", {}, t("office.reports.title")),
    h("p", { class: "lead" }, t("office.reports.intro")),
    status,
    h("section", { class: "home-section", "aria-labelledby": "reports-posts" }, h("h2", { id: "reports-posts" }, t("office.reports.postsTitle")), posts),
    h("section", { class: "home-section", "aria-labelledby": "reports-conversations" }, h("h2", { id: "reports-conversations" }, t("office.reports.conversationsTitle")), conversations),
  );
  load();
  return undefined;
}
