// #/gazette/<id> — one post: photos, its kind's block (event answers, carpool seats and the
// driver's requests), comments, the referent's pin and removal, reporting; reads offline.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { ApiError, api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { announce, formAlert, handleSubmit, statusRegion, textareaField } from "../forms.js";
import { cachedBanner, notice } from "../ui.js";
import { refreshTimes, timeElement } from "../alerts.js";
import { longDateTime, shortDateTime } from "../time.js";
import { watchLive } from "../live.js";
import {
  GAZETTE_EVENTS,
  buttonWithReason,
  confirmButton,
  eventDateTime,
  facts,
  longDate,
  photo,
  postPath,
  price,
} from "../community.js";
import { kindLabel, postBadges } from "./gazette.js";
import { listOutbox, onOutboxChange, removeFromOutbox, sendOrQueue } from "../outbox.js";
import { newKey } from "./alert-new.js";

function photos(post) {
  if (!post.photos.length) return null;
  return h(
    "div",
    { class: "post-photos" },
    post.photos.map((p, index) =>
      h("a", { href: p.url, target: "_blank", rel: "noopener", class: "post-photo-link" }, photo(p.url, t("gazettePost.photoAlt", { n: index + 1, title: post.title }), "post-photo")),
    ),
  );
}

export function render(container, { params, query }) {
  const me = getMe();
  const postId = Number(params.id);
  const cached = cachedBanner(null);
  const status = statusRegion();
  const content = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  let offline = false;
  let shown = ""; // the post as last drawn, as JSON
  let draft = ""; // the comment being written survives the post being shown again (live updates)
  let key = null; // one Idempotency-Key per comment, kept when the same comment is tried again
  // My comments on this post still in the outbox (written offline, or as the network dropped).
  const queued = h("ul", { class: "plain-list comment-list" });

  /** Run an API action, then show the post again and say `done` (errors go to the caller's form). */
  async function perform(call, done) {
    await call();
    await load();
    announce(status, done, "success");
  }

  /** The same from a button: errors are announced under the post. */
  async function act(event, call, done) {
    const button = event && event.currentTarget;
    if (button) button.disabled = true;
    try {
      await perform(call, done);
    } catch (err) {
      announce(status, errorMessage(err), "error");
      if (button) button.disabled = false;
    }
  }

  function rsvpBlock(post) {
    const e = post.event;
    const answer = (value) => (event) => act(event, () => api(`${postPath(post.id)}/rsvp`, { method: "POST", body: { answer: value } }), t(`gazettePost.rsvpDone.${value}`));
    const canAnswer = !offline && post.can && post.can.comment && post.status === "published";
    return h(
      "section",
      { class: "card", "aria-labelledby": "rsvp-title" },
      h("h2", { id: "rsvp-title" }, t("gazettePost.eventTitle")),
      facts([
        [t("gazettePost.when"), eventDateTime(e.starts_at)],
        e.ends_at ? [t("gazettePost.until"), eventDateTime(e.ends_at)] : null,
        [t("gazettePost.where"), e.place],
      ]),
      h("p", { class: "rsvp-counts" }, t("gazettePost.going", { count: e.going }), " · ", t("gazettePost.maybe", { count: e.maybe })),
      canAnswer
        ? [
            h(
              "div",
              { class: "button-row" },
              h("button", { type: "button", class: "button button--primary", "aria-pressed": String(e.my_answer === "going"), onclick: answer("going") }, t("gazettePost.rsvpGoing")),
              h("button", { type: "button", class: "button button--secondary", "aria-pressed": String(e.my_answer === "maybe"), onclick: answer("maybe") }, t("gazettePost.rsvpMaybe")),
            ),
            e.my_answer !== "none"
              ? [h("p", { class: "field-hint" }, t(`gazettePost.myAnswer.${e.my_answer}`)), h("button", { type: "button", class: "button button--small button--secondary", onclick: answer("none") }, t("gazettePost.rsvpWithdraw"))]
              : null,
          ]
        : null,
    );
  }

  function rideRequests(post) {
    const requests = post.carpool.requests || [];
    if (!requests.length) return h("p", {}, t("gazettePost.noRequests"));
    return h(
      "ul",
      { class: "plain-list request-list" },
      requests.map((r) =>
        h(
          "li",
          { class: "request" },
          h("p", {}, h("strong", {}, r.user.name), " · ", t(`gazettePost.requestState.${r.status}`)),
          r.message ? h("p", { class: "quote" }, r.message) : null,
          r.status === "pending" && !offline
            ? h(
                "div",
                { class: "button-row" },
                h("button", { type: "button", class: "button button--primary", onclick: (ev) => act(ev, () => api(`/gazette/ride-requests/${r.id}/accept`, { method: "POST" }), t("gazettePost.accepted", { name: r.user.name })) }, t("gazettePost.accept", { name: r.user.name })),
                h("button", { type: "button", class: "button button--danger-outline", onclick: (ev) => act(ev, () => api(`/gazette/ride-requests/${r.id}/refuse`, { method: "POST" }), t("gazettePost.refused", { name: r.user.name })) }, t("gazettePost.refuse", { name: r.user.name })),
              )
            : null,
        ),
      ),
    );
  }

  function carpoolBlock(post) {
    const c = post.carpool;
    const isDriver = post.author.id === me.id;
    const mine = c.my_request;
    let action = null;
    if (isDriver) {
      action = [h("h3", {}, t("gazettePost.requestsTitle")), rideRequests(post)];
    } else if (mine) {
      action = [
        h("p", { class: `banner banner--${mine.status === "accepted" ? "success" : "info"}` }, t(`gazettePost.myRequest.${mine.status}`)),
        mine.status !== "refused" && !offline
          ? h("button", { type: "button", class: "button button--secondary button--block", onclick: (ev) => act(ev, () => api(`/gazette/ride-requests/${mine.id}`, { method: "DELETE" }), t("gazettePost.requestWithdrawn")) }, t("gazettePost.withdrawRequest"))
          : null,
      ];
    } else if (!c.full && !c.departed && !offline && post.can && post.can.comment) {
      action = buttonWithReason({
        label: t("gazettePost.askSeat"),
        variant: "primary",
        form: {
          label: t("gazettePost.askSeatMessage"),
          hint: t("gazettePost.askSeatHint"),
          submitLabel: t("gazettePost.askSeatSend"),
          minLength: 0,
          required: false,
          onSubmit: (text) => perform(() => api(`${postPath(post.id)}/ride-requests`, { method: "POST", body: { message: text || "" } }), t("gazettePost.seatAsked")),
        },
      });
    }
    return h(
      "section",
      { class: "card", "aria-labelledby": "ride-title" },
      h("h2", { id: "ride-title" }, t("gazettePost.rideTitle")),
      facts([
        [t("gazettePost.from"), c.from_place],
        [t("gazettePost.to"), c.to_place],
        [t("gazettePost.departs"), eventDateTime(c.departs_at)],
        [t("gazettePost.seats"), c.departed ? t("gazette.departed") : c.full ? t("gazette.full") : t("gazette.seatsLeftOf", { count: c.seats_left, total: c.seats })],
      ]),
      action,
    );
  }

  function kindBlock(post) {
    if (post.classified) {
      const c = post.classified;
      return facts([
        [t("gazettePost.price"), c.free ? t("gazette.free") : price(c.price_cents)],
        [c.expired ? t("gazettePost.expiredOn") : t("gazettePost.expires"), longDate(c.expires_at)],
      ]);
    }
    if (post.event) return rsvpBlock(post);
    if (post.carpool) return carpoolBlock(post);
    if (post.mairie) return h("p", { class: "banner banner--info" }, t("gazettePost.mairieUntil", { commune: post.mairie.commune_name, date: longDate(post.mairie.expires_at) }));
    return null;
  }

  function comments(post) {
    const alertRegion = formAlert();
    const field = textareaField({ name: "body", label: t("gazettePost.commentLabel"), rows: 3, maxlength: "2000", value: draft });
    field.querySelector("textarea").addEventListener("input", (event) => (draft = event.target.value));
    // h() skips the null of an online page; the DOM's own append() would print it as « null »
    const form = h(
      "form",
      { class: "form" },
      offline ? h("p", { class: "field-hint" }, t("gazettePost.commentOffline")) : null,
      field,
      alertRegion,
      h("button", { type: "submit", class: "button button--primary button--block" }, t("gazettePost.commentSend")),
    );
    handleSubmit(form, alertRegion, {
      submit: async ({ body }) => {
        // Like alerts and messages: sent now, or kept in the outbox and sent once (same key).
        key = key || newKey();
        const result = await sendOrQueue({
          path: `${postPath(post.id)}/comments`,
          body: { body },
          key,
          kind: "comment",
          userId: me.id,
          info: { post_id: post.id },
        });
        key = null;
        draft = "";
        if (result.data) {
          await load();
          announce(status, t("gazettePost.commented"), "success");
        } else {
          form.reset();
          await showQueued();
          announce(status, t("gazettePost.commentQueued"), "info");
        }
      },
    });
    return h(
      "section",
      { class: "comments", "aria-labelledby": "comments-title" },
      h("h2", { id: "comments-title" }, t("gazettePost.commentsTitle", { count: post.comments.length })),
      post.comments.length
        ? h(
            "ul",
            { class: "plain-list comment-list" },
            post.comments.map((c) =>
              h(
                "li",
                { class: "comment", "data-comment-id": String(c.id) },
                h("p", { class: "comment-meta" }, h("strong", {}, c.author.name), " · ", timeElement(c.created_at)),
                h("p", { class: "comment-body" }, c.body),
                c.can_delete && !offline
                  ? confirmButton({
                      label: t("gazettePost.deleteComment"),
                      question: t("gazettePost.deleteCommentQuestion"),
                      yes: t("gazettePost.deleteCommentYes"),
                      action: () => perform(() => api(`/gazette/comments/${c.id}`, { method: "DELETE" }), t("gazettePost.commentDeleted")),
                      onError: (err) => announce(status, errorMessage(err), "error"),
                    })
                  : null,
              ),
            ),
          )
        : h("p", {}, t("gazettePost.noComments")),
      queued,
      post.can && post.can.comment && post.status === "published" ? form : null,
    );
  }

  /** A comment of mine still in the outbox: waiting for the network, or refused by the server. */
  function queuedComment(item) {
    const failed = item.state === "failed";
    const reason = item.error ? errorMessage(new ApiError(item.error.status, item.error.detail, item.error.code)) : "";
    return h(
      "li",
      { class: "comment", "data-outbox-id": item.id },
      h("p", { class: "comment-meta" }, h("span", { class: `badge badge--${failed ? "failed" : "pending"}` }, t(failed ? "gazettePost.commentFailed" : "gazettePost.commentPending")),
        " · ", t("outbox.writtenAt", { when: shortDateTime(item.createdAt) })),
      h("p", { class: "comment-body" }, item.body.body),
      failed
        ? [h("p", { class: "banner banner--error" }, reason),
           h("button", { type: "button", class: "button button--small button--danger-outline", onclick: () => removeFromOutbox(item.id) }, t("gazettePost.commentRemoveFailed"))]
        : h("p", { class: "field-hint" }, t("gazettePost.commentPendingText")),
    );
  }

  async function showQueued() {
    const items = (await listOutbox("comment")).filter((item) => item.info.post_id === postId && item.userId === me.id);
    queued.replaceChildren(...items.map(queuedComment));
  }

  function actions(post) {
    if (offline || !post.can) return null;
    const can = post.can;
    const items = [];
    if (can.pin && post.kind !== "mairie") {
      const path = post.pinned ? "unpin" : "pin";
      items.push(h("button", { type: "button", class: "button button--secondary button--block", onclick: (ev) => act(ev, () => api(`${postPath(post.id)}/${path}`, { method: "POST" }), t(`gazettePost.${path}Done`)) }, t(`gazettePost.${path}`)));
    }
    if (can.remove && post.status === "published") {
      items.push(buttonWithReason({
        label: t("gazettePost.remove"),
        variant: "danger-outline",
        form: { label: t("gazettePost.removeReason"), hint: t("gazettePost.removeHint"), submitLabel: t("gazettePost.removeSend"), onSubmit: (reason) => perform(() => api(`${postPath(post.id)}/remove`, { method: "POST", body: { reason } }), t("gazettePost.removed")) },
      }));
    }
    if (can.delete) {
      items.push(confirmButton({
        label: t("gazettePost.delete"),
        question: t("gazettePost.deleteQuestion"),
        yes: t("gazettePost.deleteYes"),
        action: async () => {
          await api(postPath(post.id), { method: "DELETE" });
          navigate("/gazette");
        },
        onError: (err) => announce(status, errorMessage(err), "error"),
      }));
    }
    if (can.report) {
      items.push(buttonWithReason({
        label: t("gazettePost.report"),
        form: { label: t("gazettePost.reportReason"), hint: t("gazettePost.reportHint"), submitLabel: t("gazettePost.reportSend"), onSubmit: (reason) => perform(() => api(`${postPath(post.id)}/report`, { method: "POST", body: { reason } }), t("gazettePost.reported")) },
      }));
    }
    if (!items.length) return null;
    return h("section", { class: "post-actions", "aria-label": t("gazettePost.actionsLabel") }, items);
  }

  function show(post, cachedAt) {
    shown = JSON.stringify(post);
    offline = Boolean(cachedAt);
    cachedBanner(cachedAt, cached);
    document.title = `${post.title} — Vigie`;
    mount(
      content,
      h("p", { class: "alert-card-kicker" }, postBadges(post)),
      h("h1", {}, post.title),
      status,
      post.status === "removed" ? h("p", { class: "banner banner--error" }, t("gazettePost.removedBecause", { reason: post.removed_reason || "" })) : null,
      h("p", { class: "post-meta" }, t(post.kind === "mairie" ? "gazettePost.byMairie" : "alerts.byAuthor", { name: post.author.name }), " · ", h("span", { title: longDateTime(post.created_at) }, timeElement(post.created_at))),
      kindBlock(post),
      h("p", { class: "post-body" }, post.body),
      photos(post),
      actions(post),
      comments(post),
      h("a", { href: "#/gazette", class: "button button--secondary button--block" }, t("gazettePost.back")),
    );
  }

  /**
   * Read the post and draw it (with `ifChanged`, only when it changed since it was drawn). With
   * `whenIdle` (live updates), not if the person started writing while it was read: a redraw then
   * took the focus from the comment field, and what they typed next went nowhere.
   */
  async function load({ ifChanged = false, whenIdle = false } = {}) {
    try {
      const { data, cachedAt } = await apiRead(postPath(postId));
      if (whenIdle && writing()) return; // drawn by the next update, or once the comment is sent
      if (!ifChanged || JSON.stringify(data) !== shown) show(data, cachedAt);
    } catch (err) {
      mount(content, ...notice({ title: t("gazettePost.title"), text: errorMessage(err), kind: "error", href: "#/gazette", link: t("gazettePost.back"), variant: "secondary" }));
    }
  }

  const writing = () => content.querySelector("form[aria-busy], textarea:focus"); // a redraw would lose the focus
  const stopLive = watchLive({
    types: GAZETTE_EVENTS,
    onEvent: (type, data) => {
      if (Number(data.post_id) === postId && !writing()) load({ whenIdle: true });
    },
    refresh: () => writing() || load({ ifChanged: true, whenIdle: true }),
  });
  const clock = setInterval(() => refreshTimes(content), 60000);
  const stopOutbox = onOutboxChange((message) => {
    showQueued();
    if (message.type === "sent" && message.kind === "comment") load();
  });
  container.append(cached, content);
  showQueued();
  load().then(() => query.publie && announce(status, t("gazettePost.published"), "success"));
  return () => {
    stopLive();
    stopOutbox();
    clearInterval(clock);
  };
}
