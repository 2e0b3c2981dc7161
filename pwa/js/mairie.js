// The town hall for everyone: who may use the mairie screens, labels and badges of broadcasts,
// a broadcast as residents read it, and the two answers of a safety check. Small and in the
// app shell (the home page uses it, offline too); the staff's helpers are in mairie-staff.js.
import { h } from "./dom.js";
import { hasKey, t } from "./i18n.js";
import { api, errorMessage } from "./api.js";
import { longDateTime } from "./time.js";

/** Mairie staff of at least one commune. */
export function isStaff(me) {
  return Boolean(me && me.mairie_communes && me.mairie_communes.length);
}

/** Staff and admins reach the mairie screens (admins act for any commune). */
export function canUseMairie(me) {
  return isStaff(me) || Boolean(me && me.is_admin);
}

/** The communities where this person is an active referent. */
export function referentOf(me) {
  return ((me && me.memberships) || []).filter((m) => m.status === "active" && m.role === "referent");
}

export function categoryLabel(category, fallback = "") {
  const key = `mairie.categories.${category}`;
  return hasKey(key) ? t(key) : fallback || category;
}

export function severityLabel(severity, fallback = "") {
  const key = `mairie.severities.${severity}`;
  return hasKey(key) ? t(key) : fallback || severity;
}

/** A badge for a severity (information, vigilance, urgence) or a status. */
export function badge(kind, text) {
  return h("span", { class: `badge badge--${kind}` }, text);
}

/** The severity's badge; « urgence » looks like an urgent alert's. */
export function severityBadge(severity, fallback) {
  return badge(severity === "urgence" ? "urgent" : `severity-${severity}`, severityLabel(severity, fallback));
}

/** "mardi 12 mars 2026 à 14:05", or "" for no date. */
export function when(iso) {
  return iso ? longDateTime(iso) : "";
}

/** A broadcast as members read it: severity, category, title, text, link, validity. */
export function broadcastCard(broadcast, { level = 2, link = true, from = true, badges = null, extra = null } = {}) {
  const urgent = broadcast.severity === "urgence" && !broadcast.ended_at;
  const title = link ? h("a", { href: `#/mairie/${broadcast.id}`, class: extra ? null : "stretched-link" }, broadcast.title) : broadcast.title;
  return h(
    "article",
    { class: ["alert-card", "mairie-broadcast", `mairie-broadcast--${broadcast.severity}`, urgent && "alert-card--urgent"], "data-broadcast-id": String(broadcast.id) },
    h("p", { class: "alert-card-kicker" }, severityBadge(broadcast.severity, broadcast.severity_label), " ", h("span", { class: "alert-category" }, categoryLabel(broadcast.category, broadcast.category_label)), broadcast.followup ? [" ", badge("followup", t(`mairie.followup.${broadcast.followup}`))] : null, badges),
    h(`h${level}`, { class: "alert-card-title" }, title),
    from ? h("p", { class: "mairie-broadcast-from" }, t("mairie.member.from", { commune: broadcast.commune_name })) : null,
    h("p", { class: "alert-body" }, broadcast.body),
    broadcast.link ? h("p", {}, h("a", { href: broadcast.link, rel: "noopener noreferrer", target: "_blank" }, t("mairie.member.moreInfo"))) : null,
    broadcast.sent_at ? h("p", { class: "alert-card-meta" }, t("mairie.member.sentAt", { when: when(broadcast.sent_at) })) : null,
    broadcast.valid_until ? h("p", { class: "alert-card-meta" }, t("mairie.member.validUntil", { when: when(broadcast.valid_until) })) : null,
    extra,
  );
}

/**
 * The two huge answers of a safety check ("Tout va bien" / "J'ai besoin d'aide") for the
 * person asked; onAnswered(item) with the API's answer. Returns the card.
 */
export function safetyCheckCard(check, { level = 2, onAnswered = () => undefined } = {}) {
  const status = h("div", { role: "status", "aria-live": "polite", class: "mairie-answer-status" });
  const problem = h("div", { role: "alert" });
  const current = h("p", { class: "mairie-answer-current" });
  function showAnswer(item) {
    current.replaceChildren();
    if (item.answer) current.append(h("strong", {}, t(`mairie.safety.answered.${item.answer}`)), item.answered_at ? ` (${when(item.answered_at)})` : "");
    current.hidden = !item.answer;
  }
  async function answer(value, button) {
    const buttons = card.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    problem.replaceChildren();
    try {
      const item = await api(`/safety-checks/${encodeURIComponent(check.id)}/answer`, { method: "POST", body: { answer: value } });
      showAnswer(item);
      status.replaceChildren(h("p", { class: `banner banner--${value === "ok" ? "success" : "info"}` }, t(`mairie.safety.thanks.${value}`)));
      onAnswered(item);
    } catch (err) {
      problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
    } finally {
      buttons.forEach((b) => (b.disabled = false));
      button.focus();
    }
  }
  const okButton = h("button", { type: "button", class: "button button--ok button--block button--huge", onclick: (e) => answer("ok", e.currentTarget) }, t("mairie.safety.ok"));
  const helpButton = h("button", { type: "button", class: "button button--alert button--block button--huge", onclick: (e) => answer("help", e.currentTarget) }, t("mairie.safety.help"));
  const card = h(
    "section",
    { class: "card mairie-safety", "data-check-id": String(check.id), "aria-labelledby": `safety-${check.id}` },
    h("p", { class: "alert-card-kicker" }, t("mairie.safety.from", { commune: check.commune_name })),
    h(`h${level}`, { id: `safety-${check.id}` }, check.question),
    h("p", {}, t("mairie.safety.explain")),
    current,
    check.status === "open" ? [okButton, helpButton] : h("p", { class: "banner banner--info" }, t("mairie.safety.closed")),
    status,
    problem,
  );
  showAnswer(check);
  return card;
}
