// #/veille — Veille solidaire: the person's big « Je vais bien » button with the next time and
// their watchers; the person's « accept or refuse » for a check-in a referent set up for them
// (exactly what would be shared, with whom); invitations to accept or decline; the people I watch over with « Je passe
// voir » and « Tout va bien »; for referents, the way to the community's check-ins.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { announce, statusRegion } from "../forms.js";
import { cachedBanner, card } from "../ui.js";
import {
  badge,
  buttonWithReason,
  eventDateTime,
  isReferent,
  longDate,
  memberOrNotice,
  parisTime,
  performer,
} from "../community.js";

const OPEN_STATES = ["reminded", "escalated", "someone_going"];
const ALARM_STATES = ["escalated", "someone_going"];

export function checkinPath(checkinId) {
  return `/solidarity/checkins/${encodeURIComponent(checkinId)}`;
}

/** "Chaque jour à 10:00", "Tous les 3 jours à 10:00". */
export function rhythm(checkin) {
  return t("checkins.rhythm", { count: checkin.every_days, time: checkin.check_time });
}

/** The round that needs attention: the oldest open one, else this period's. */
export function roundOf(checkin) {
  return (checkin.open_rounds && checkin.open_rounds[0]) || checkin.current || null;
}

/** Where the check-in stands today, in words (for the person, or for watchers and referents). */
export function roundText(checkin, forPerson) {
  if (checkin.status === "stopped") return t("checkins.state.stopped");
  if (checkin.status === "waiting_person") return t(forPerson ? "checkins.state.waitingMe" : "checkins.state.waitingPerson", { name: checkin.person.name });
  if (checkin.status === "waiting_watchers") return t("checkins.state.waiting", { count: checkin.accepted_watchers });
  if (checkin.status === "paused") return t("checkins.state.paused", { date: longDate(checkin.paused_until) });
  const round = roundOf(checkin);
  if (!round) return checkin.next_due_at ? t("checkins.state.next", { when: eventDateTime(checkin.next_due_at) }) : "";
  const who = forPerson ? "person" : "watcher";
  const params = {
    name: checkin.person.name,
    due: parisTime(round.due_at),
    since: eventDateTime(round.due_at),
    at: parisTime(round.checked_in_at || round.reminded_at || round.escalated_at || round.resolved_at || round.due_at),
    escalates: round.escalates_at ? parisTime(round.escalates_at) : "",
    going: round.going ? round.going.name : "",
    by: round.resolved_by ? round.resolved_by.name : "",
    note: round.resolution_note || "",
  };
  return t(`checkins.round.${who}.${round.state}`, params);
}

function stateBadge(checkin) {
  const round = roundOf(checkin);
  if (checkin.status === "active" && round && ALARM_STATES.includes(round.state)) return badge("urgent", t("checkins.alarm"));
  return badge(checkin.status === "active" ? "resolved" : "pending", t(`checkins.status.${checkin.status}`));
}

/**
 * The buttons of a watcher or referent: « Je passe voir » while the watchers are alerted,
 * « Tout va bien » (with a note) while a round is open. perform(call, done) runs the call.
 */
export function watcherActions(checkin, me, perform) {
  const round = roundOf(checkin);
  if (checkin.status === "stopped" || !round || !OPEN_STATES.includes(round.state)) return null;
  const path = checkinPath(checkin.id);
  const going = ALARM_STATES.includes(round.state) && !(round.going && round.going.id === me.id)
    ? h("button", { type: "button", class: "button button--alert button--block button--large", onclick: (event) => {
        event.currentTarget.disabled = true;
        perform(() => api(`${path}/going`, { method: "POST" }), t("checkins.goingDone", { name: checkin.person.name }));
      } }, t("checkins.going"))
    : null;
  const fine = buttonWithReason({
    label: t("checkins.resolve"),
    variant: "primary",
    form: {
      label: t("checkins.resolveNote"),
      hint: t("checkins.resolveHint", { name: checkin.person.name }),
      submitLabel: t("checkins.resolveSend"),
      minLength: 2,
      onSubmit: (note) => perform(() => api(`${path}/resolve`, { method: "POST", body: { note } }), t("checkins.resolveDone")),
    },
  });
  return h("div", { class: "checkin-actions" }, going, fine);
}

/** « Je vais bien »: the person's huge button. */
export function checkInButton(checkin, perform) {
  const button = h("button", { type: "button", class: "button button--ok button--huge button--block" }, t("checkins.imFine"));
  button.addEventListener("click", () => {
    button.disabled = true;
    perform(() => api(`${checkinPath(checkin.id)}/check-in`, { method: "POST" }), t("checkins.imFineDone", { time: parisTime(new Date()) }));
  });
  return button;
}

const lowerFirst = (text) => text.charAt(0).toLocaleLowerCase() + text.slice(1);

/**
 * For the person a referent set a check-in up for: who proposes it, who would watch, exactly what
 * they (and the referents) would see, and the two answers. Nothing is shared before « J'accepte ».
 */
export function confirmationCard(checkin, perform) {
  const path = checkinPath(checkin.id);
  const p = checkin.person;
  const shared = [
    [t("checkins.confirm.phone"), p.phone || t("checkins.confirm.none")],
    [t("checkins.confirm.address"), p.address || t("checkins.confirm.none")],
    checkin.note ? [t("checkins.confirm.note"), h("span", { class: "post-body" }, checkin.note)] : null,
  ];
  return h(
    "section",
    { class: "card checkin-card checkin-confirm", "aria-labelledby": "checkin-confirm-title", "data-checkin-id": String(checkin.id) },
    h("h2", { id: "checkin-confirm-title" }, t("checkins.confirm.title")),
    h("p", { class: "lead" }, t("checkins.confirm.intro", { by: checkin.created_by.name, rhythm: lowerFirst(rhythm(checkin)) })),
    h("h3", {}, t("checkins.confirm.whoTitle")),
    h("ul", { class: "plain-list watcher-list" }, checkin.watchers.map((w) => h("li", {}, h("strong", {}, w.name)))),
    h("p", {}, t("checkins.confirm.referents", { community: checkin.community_name })),
    h("h3", {}, t("checkins.confirm.whatTitle")),
    h("dl", { class: "facts" }, shared.filter(Boolean).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h("p", {}, t("checkins.confirm.when")),
    h("p", { class: "field-hint" }, t("checkins.confirm.refuseText")),
    h(
      "div",
      { class: "button-row" },
      h("button", { type: "button", class: "button button--primary", onclick: (event) => {
        event.currentTarget.disabled = true;
        perform(() => api(`${path}/confirm`, { method: "POST" }), t("checkins.confirm.accepted"));
      } }, t("checkins.confirm.accept")),
      h("button", { type: "button", class: "button button--secondary", onclick: (event) => {
        event.currentTarget.disabled = true;
        perform(() => api(`${path}/refuse`, { method: "POST" }), t("checkins.confirm.refused"));
      } }, t("checkins.confirm.refuse")),
    ),
    h("p", { class: "field-hint" }, t("checkins.confirm.bySms")),
  );
}

/** Watchers and their answers. */
export function watcherList(checkin) {
  return h(
    "ul",
    { class: "plain-list watcher-list" },
    checkin.watchers.map((w) => h("li", {}, h("strong", {}, w.name), " — ", t(`checkins.watcherStatus.${w.status}`))),
  );
}

function personSection(checkin, perform) {
  if (checkin.status === "waiting_person") return confirmationCard(checkin, perform);
  const round = roundOf(checkin);
  return h(
    "section",
    { class: "card checkin-card checkin-card--mine", "aria-labelledby": "my-checkin-title" },
    h("h2", { id: "my-checkin-title" }, t("checkins.mineTitle"), " ", stateBadge(checkin)),
    checkin.status === "active" ? checkInButton(checkin, perform) : null,
    h("p", { class: ["checkin-state", round && ALARM_STATES.includes(round.state) && "checkin-state--alarm"] }, roundText(checkin, true)),
    checkin.next_due_at ? h("p", { class: "lead" }, t("checkins.nextDue", { when: eventDateTime(checkin.next_due_at) })) : null,
    h("p", {}, rhythm(checkin)),
    h("h3", {}, t("checkins.watchersTitle")),
    watcherList(checkin),
    h("a", { href: `#/veille/${checkin.id}`, class: "button button--secondary button--block" }, t("checkins.detailsMine")),
  );
}

function noCheckinSection() {
  return card(
    t("checkins.setupTitle"),
    h("p", {}, t("checkins.setupText")),
    h("a", { href: "#/veille/nouvelle", class: "button button--primary button--block" }, t("checkins.setup")),
  );
}

function invitationCard(invitation, perform) {
  const path = checkinPath(invitation.checkin_id);
  return h(
    "article",
    { class: "card checkin-card", "data-checkin-id": String(invitation.checkin_id) },
    h("h3", {}, t("checkins.invitationTitle", { name: invitation.person.name })),
    h("p", {}, t("checkins.invitationText", { name: invitation.person.name, by: invitation.invited_by.name, rhythm: rhythm(invitation) })),
    h("p", { class: "field-hint" }, t("checkins.invitationWhat", { name: invitation.person.name })),
    h(
      "div",
      { class: "button-row" },
      h("button", { type: "button", class: "button button--primary", onclick: () => perform(() => api(`${path}/invitation/accept`, { method: "POST" }), t("checkins.accepted", { name: invitation.person.name })) }, t("checkins.accept")),
      h("button", { type: "button", class: "button button--secondary", onclick: () => perform(() => api(`${path}/invitation/decline`, { method: "POST" }), t("checkins.declined")) }, t("checkins.decline")),
    ),
  );
}

/** A check-in I watch (or, for referents, of the community): its state and what I can do. */
export function watchedCard(checkin, me, perform, level = 3) {
  const round = roundOf(checkin);
  const alarm = checkin.status === "active" && round && ALARM_STATES.includes(round.state);
  return h(
    "article",
    { class: ["card", "checkin-card", alarm && "checkin-card--alarm"], "data-checkin-id": String(checkin.id) },
    h(`h${level}`, {}, checkin.person.name, " ", stateBadge(checkin)),
    h("p", { class: ["checkin-state", alarm && "checkin-state--alarm"] }, roundText(checkin, false)),
    h("p", {}, rhythm(checkin)),
    watcherActions(checkin, me, perform),
    h("a", { href: `#/veille/${checkin.id}`, class: "button button--secondary button--block" }, t("checkins.details", { name: checkin.person.name })),
  );
}

function referentSection() {
  return card(
    t("checkins.referentTitle"),
    h("p", {}, t("checkins.referentText")),
    h("a", { href: "#/veille/quartier", class: "button button--secondary button--block" }, t("checkins.communityLink")),
    h("a", { href: "#/veille/nouvelle?pour=voisin", class: "button button--secondary button--block" }, t("checkins.setupForSomeone")),
  );
}

export function render(container) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("checkins.title"));
  if (!membership) return undefined;
  const cached = cachedBanner(null);
  const status = statusRegion();
  const content = h("div", {}, h("p", { class: "loading" }, t("common.loading")));

  const perform = performer(status, () => load());

  async function load() {
    try {
      const { data, cachedAt } = await apiRead("/solidarity/checkins");
      cachedBanner(cachedAt, cached);
      const act = cachedAt ? () => announce(status, t("errors.offline"), "error") : perform;
      const running = data.mine.find((c) => c.status !== "stopped");
      mount(
        content,
        running ? personSection(running, act) : null,
        data.invitations.length
          ? h("section", { "aria-labelledby": "invitations-title" }, h("h2", { id: "invitations-title" }, t("checkins.invitationsTitle")), data.invitations.map((inv) => invitationCard(inv, act)))
          : null,
        h(
          "section",
          { "aria-labelledby": "watching-title" },
          h("h2", { id: "watching-title" }, t("checkins.watchingTitle")),
          data.watching.length ? data.watching.map((c) => watchedCard(c, me, act)) : h("p", {}, t("checkins.watchingNone")),
        ),
        running ? null : noCheckinSection(),
        isReferent(me, membership.community_id) ? referentSection() : null,
      );
    } catch (err) {
      mount(content, h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    }
  }

  // Every minute the states are read again, unless a note is being written (it would be lost).
  const timer = setInterval(() => document.visibilityState === "visible" && !content.querySelector("form") && load(), 60000);
  container.append(h("h1", {}, t("checkins.title")), h("p", { class: "lead" }, t("checkins.intro")), cached, status, content);
  load();
  return () => clearInterval(timer);
}
