// Community life, shared by the Gazette, directory, messages and check-in screens: API paths,
// the member's community, avatars, accent-folded search, keyed lists, dates, a reason form.
import { h, uid } from "./dom.js";
import { getLang, t } from "./i18n.js";
import { apiRead, errorMessage } from "./api.js";
import { alertMembership } from "./alerts.js";
import { announce, formAlert, handleSubmit, textareaField } from "./forms.js";
import { notice } from "./ui.js";

export { keyedList } from "./ui.js";

/** Posts per page of the Gazette (the first page is what the device keeps for offline reading). */
export const GAZETTE_PAGE = 20;
/** Kinds a member may post, in the order of the form. */
export const MEMBER_KINDS = ["classified", "news", "minutes", "event", "carpool"];
/** Kinds of the list's filter chips ("mairie": communications of the town hall). */
export const GAZETTE_KINDS = [...MEMBER_KINDS, "mairie"];
/** Live events that change what the Gazette shows. */
export const GAZETTE_EVENTS = [
  "gazette.post_created",
  "gazette.post_updated",
  "gazette.post_removed",
  "gazette.comment_created",
  "gazette.comment_deleted",
];

/** GET path of a page of a community's Gazette: the same URL online, offline and when preparing. */
export function gazettePath(communityId, { kind = "", q = "", before = null } = {}) {
  const params = new URLSearchParams({ limit: String(GAZETTE_PAGE) });
  if (kind) params.set("kind", kind);
  if (q) params.set("q", q);
  if (before) params.set("before", String(before));
  return `/communities/${encodeURIComponent(communityId)}/gazette?${params}`;
}

export function postPath(postId) {
  return `/gazette/posts/${encodeURIComponent(postId)}`;
}

/** The whole directory of a community (one answer: the member pickers of messages and check-ins). */
export function directoryPath(communityId) {
  return `/communities/${encodeURIComponent(communityId)}/directory`;
}

/** Members per page of the directory screen (the first page is what the device keeps for offline reading). */
export const DIRECTORY_PAGE = 30;

/** GET path of a page of a community's directory, by name: the same URL online, offline and when preparing. */
export function directoryPagePath(communityId, { q = "", after = null } = {}) {
  const params = new URLSearchParams({ limit: String(DIRECTORY_PAGE) });
  if (q) params.set("q", q);
  if (after) params.set("after", after);
  return `/communities/${encodeURIComponent(communityId)}/directory/page?${params}`;
}

/** The active membership whose community the screens show, or null. */
export function communityOf(me) {
  return alertMembership(me);
}

/** True when `me` is a referent of that community. */
export function isReferent(me, communityId) {
  return ((me && me.memberships) || []).some((m) => m.community_id === communityId && m.status === "active" && m.role === "referent");
}

/** No active membership yet: say why the screen is empty, and where to go. */
function membershipNotice(me, title) {
  const pending = ((me && me.memberships) || []).some((m) => m.status === "pending");
  return pending
    ? notice({ title, text: t("community.notActive"), kind: "info", href: "#/activation", link: t("home.enterCode") })
    : notice({ title, text: t("home.noCommunity"), kind: "info", href: "#/", link: t("common.backHome") });
}

/** The member's community (active membership); without one, `container` says why and null is returned. */
export function memberOrNotice(container, me, title) {
  const membership = communityOf(me);
  if (!membership) container.append(...membershipNotice(me, title));
  return membership;
}

/** Lower case without accents or ligatures: "Œuvres de l'Église" → "oeuvres de l'eglise". */
export function fold(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/œ/g, "oe")
    .replace(/æ/g, "ae");
}

/** Every word of `query` appears somewhere in `texts` (accents and case aside). */
export function matchesEveryWord(query, texts) {
  const haystack = fold(texts.filter(Boolean).join(" "));
  return fold(query).split(/\s+/).filter(Boolean).every((word) => haystack.includes(word));
}

/** "Marie Dupont" → "MD" (the avatar of someone without a photo). */
function initials(name) {
  return String(name || "?")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0].toUpperCase())
    .join("");
}

/** A round photo, or the initials when there is none (or it cannot be loaded offline). */
export function avatar(url, name, size = "small") {
  const fallback = h("span", { class: `avatar avatar--${size} avatar--initials`, "aria-hidden": "true" }, initials(name));
  if (!url) return fallback;
  const img = h("img", { class: `avatar avatar--${size}`, src: url, alt: "", loading: "lazy", decoding: "async" });
  img.addEventListener("error", () => img.replaceWith(fallback));
  return img;
}

/** A photo that disappears instead of showing a broken image (e.g. never opened, offline). */
export function photo(url, alt, className) {
  const img = h("img", { src: url, alt, class: className, loading: "lazy", decoding: "async" });
  img.addEventListener("error", () => img.remove());
  return img;
}

function format(date, options) {
  return new Intl.DateTimeFormat(getLang(), { timeZone: "Europe/Paris", ...options }).format(new Date(date));
}

/** "samedi 12 mars à 18:00" (Paris time: the events and rounds are French wall-clock times). */
export function eventDateTime(iso) {
  const day = format(iso, { weekday: "long", day: "numeric", month: "long" });
  return t("time.dayAt", { day, time: parisTime(iso) });
}

/** "10:30" in Paris time (check-in hours are French wall-clock times). */
export function parisTime(iso) {
  return format(iso, { hour: "2-digit", minute: "2-digit" });
}

/** "samedi 12 mars 2026" */
export function longDate(iso) {
  return format(iso, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}

/** "12,50 €" from cents. */
export function price(cents) {
  return new Intl.NumberFormat(getLang(), { style: "currency", currency: "EUR" }).format(cents / 100);
}

/** "2026-03-12T18:00" of <input type="datetime-local"> → "2026-03-12T18:00:00" (read as Paris time). */
export function localDateTime(value) {
  return value && value.length === 16 ? `${value}:00` : value || null;
}

/** Today (Paris) plus `days`, as <input type="date"> wants it: "2026-03-12". */
export function isoDay(days = 0) {
  const date = new Date(Date.now() + days * 86400000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

/** <dl class="facts"> of [term, value] rows; null rows are skipped. */
export function facts(rows, className = "") {
  return h("dl", { class: ["facts", className] }, rows.filter(Boolean).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** A small badge ("Épinglé", "3 non lus"). */
export function badge(kind, text) {
  return h("span", { class: `badge badge--${kind}` }, text);
}

/**
 * A form asking for a reason before an action (report, removal): a text area, "confirm" and
 * "cancel". onSubmit(reason) may throw an ApiError, shown in the form.
 */
export function reasonForm({ label, hint, submitLabel, onSubmit, onCancel, minLength = 3, maxLength = 500, required = true }) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form card card--warning" },
    textareaField({ name: "reason", label, hint, rows: 3, maxlength: String(maxLength), required }),
    alertRegion,
    h(
      "div",
      { class: "button-row" },
      h("button", { type: "submit", class: "button button--primary" }, submitLabel),
      h("button", { type: "button", class: "button button--secondary", onclick: onCancel }, t("common.cancel")),
    ),
  );
  handleSubmit(form, alertRegion, {
    validate: ({ reason }) => (reason && reason.length < minLength ? { reason: t("community.reasonTooShort", { count: minLength }) } : {}),
    submit: ({ reason }) => onSubmit(reason),
  });
  return form;
}

/**
 * A button that opens a reasonForm below itself (and gives focus to its text area); the form
 * closes on cancel or after onSubmit succeeded.
 */
export function buttonWithReason({ label, variant = "secondary", form: options }) {
  const slot = h("div", {});
  const button = h("button", { type: "button", class: `button button--${variant} button--block` }, label);
  const close = () => {
    slot.replaceChildren();
    button.hidden = false;
    button.focus();
  };
  button.addEventListener("click", () => {
    const form = reasonForm({
      ...options,
      onCancel: close,
      onSubmit: async (reason) => {
        await options.onSubmit(reason);
        slot.replaceChildren();
        button.hidden = false;
      },
    });
    slot.replaceChildren(form);
    button.hidden = true;
    form.querySelector("textarea").focus();
  });
  return h("div", {}, button, slot);
}

/** A button that asks "Sûr ?" with Yes/Cancel before running `action` (which may throw). */
export function confirmButton({ label, question, yes, variant = "danger-outline", action, onError }) {
  const box = h("div", { class: "card card--warning", hidden: true });
  const button = h("button", { type: "button", class: `button button--${variant} button--block` }, label);
  button.addEventListener("click", () => {
    const go = h("button", { type: "button", class: "button button--primary" }, yes);
    go.addEventListener("click", async () => {
      go.disabled = true;
      try {
        await action();
      } catch (err) {
        onError(err);
      }
      go.disabled = false;
      box.hidden = true;
    });
    box.replaceChildren(
      h("p", {}, question),
      h("div", { class: "button-row" }, go, h("button", { type: "button", class: "button button--secondary", onclick: () => (box.hidden = true) }, t("common.cancel"))),
    );
    box.hidden = false;
    go.focus();
  });
  return h("div", {}, button, box);
}

/**
 * Choose members of the community from its directory (a search box filters the list): checkboxes,
 * or radios with `single`. The chosen ids travel in a hidden input `name` ("3,7"), which carries
 * the field's error like forms.js's choiceGroup. Returns {element, chosen(): [entry]}.
 */
export function memberPicker({ communityId, name, legend, hint, exclude = [], single = false, required = true }) {
  const id = uid(name);
  const hidden = h("input", { type: "hidden", name, value: "", required });
  hidden.dataset.errorId = `${id}-error`;
  hidden.dataset.focusId = `${id}-q`;
  const entries = new Map();
  const filter = h("input", { type: "search", id: `${id}-q`, class: "input", autocomplete: "off", "aria-describedby": `${id}-hint` });
  const options = h("div", { class: "member-choices" }, h("p", { class: "loading" }, t("common.loading")));
  const summary = h("p", { class: "picker-status", role: "status", "aria-live": "polite" });

  function chosenIds() {
    return [...options.querySelectorAll("input:checked")].map((input) => Number(input.value));
  }

  function update() {
    const ids = chosenIds();
    hidden.value = ids.join(",");
    summary.textContent = ids.length ? t("community.chosen", { names: ids.map((userId) => entries.get(userId).name).join(", ") }) : "";
    const q = filter.value.trim();
    options.querySelectorAll("label[data-user-id]").forEach((label) => {
      const entry = entries.get(Number(label.dataset.userId));
      label.hidden = Boolean(q) && !label.querySelector("input").checked && !matchesEveryWord(q, [entry.name, entry.street]);
    });
  }

  function option(entry) {
    const input = h("input", { type: single ? "radio" : "checkbox", name: `${name}_pick`, value: String(entry.user_id), "data-clears": name });
    return h(
      "label",
      { class: "choice member-choice", "data-user-id": String(entry.user_id) },
      input,
      avatar(entry.photo_url, entry.name),
      h("span", {}, h("span", { class: "choice-title" }, entry.name), entry.street ? h("span", { class: "choice-detail" }, entry.street) : null),
    );
  }

  apiRead(directoryPath(communityId))
    .then(({ data }) => {
      const people = data.filter((entry) => !entry.is_me && !exclude.includes(entry.user_id));
      people.forEach((entry) => entries.set(entry.user_id, entry));
      options.replaceChildren(...(people.length ? people.map(option) : [h("p", {}, t("community.nobodyToChoose"))]));
      update(); // a name typed while the list was loading filters it at once
    })
    .catch((err) => options.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err))));
  options.addEventListener("change", update);
  filter.addEventListener("input", update);
  const element = h(
    "fieldset",
    { class: "choices member-picker" },
    h("legend", {}, legend),
    h("p", { id: `${id}-hint`, class: "field-hint" }, hint),
    h("p", { id: `${id}-error`, class: "field-error", hidden: true }),
    hidden,
    h("label", { for: `${id}-q`, class: "field-label" }, t("community.findName")),
    filter,
    summary,
    options,
  );
  return { element, chosen: () => chosenIds().map((userId) => entries.get(userId)) };
}

/** perform(call, done): run an API call, say `done` (or why it failed) in `status`, then reload(). */
export function performer(status, reload) {
  return async (call, done) => {
    try {
      await call();
      announce(status, done, "success");
    } catch (err) {
      announce(status, errorMessage(err), "error");
    }
    await reload();
  };
}
