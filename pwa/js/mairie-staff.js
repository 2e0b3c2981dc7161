// The town hall for its staff: the communes they act for and the chosen one, the frame of a
// staff screen, form pieces (area, channels, confirmation, saving forms), tables and CSV links,
// and the live dashboard events. Loaded with the staff screens only.
import { h, mount, uid } from "./dom.js";
import { t } from "./i18n.js";
import { api, errorMessage } from "./api.js";
import { getMe } from "./store.js";
import { notice } from "./ui.js";
import { announce, formAlert, handleSubmit, statusRegion, submitButton } from "./forms.js";
import { watchLive } from "./live.js";
import { canUseMairie } from "./mairie.js";

/** Broadcast categories, in the order of the form (same keys as the API). */
export const CATEGORIES = ["meteo", "inondation", "canicule", "voirie", "coupure", "greve", "evenement", "securite", "autre"];
export const SEVERITIES = ["information", "vigilance", "urgence"];
/** Channels a broadcast may use; `gazette` sends nothing, it pins the broadcast in the Gazette. */
export const CHANNELS = ["push", "email", "sms", "gazette"];
/** The API's default channels per severity (backend/mairie/service.py DEFAULT_CHANNELS). */
export const DEFAULT_CHANNELS = {
  information: ["push", "gazette"],
  vigilance: ["push", "email"],
  urgence: ["push", "sms", "email"],
};
/** Delivery channels with per-person counts (the Gazette has none). */
export const DELIVERY_CHANNELS = ["push", "email", "sms"];
const STORAGE_KEY = "vigie.mairie.commune";

/** "Notifications, E-mail": channel names in the UI language. */
export function channelList(channels) {
  return channels.map((channel) => t(`mairie.channels.${channel}`)).join(", ");
}

// ---- Communes ----

let communeCache = null;

/**
 * The communes this person may act for: their own as staff, every commune for an admin
 * (GET /communes; moderators get all of them there too, but act for none). Each with its communities: [{id, name, communities: [{id, name}]}].
 */
export async function loadCommunes(me = getMe()) {
  if (communeCache && communeCache.userId === me.id) return communeCache.list;
  const rows = await api("/communes");
  const own = new Set((me.mairie_communes || []).map((c) => c.id));
  const list = rows.filter((row) => me.is_admin || own.has(row.id)).map((row) => ({ id: row.id, name: row.name, communities: row.communities }));
  communeCache = { userId: me.id, list };
  return list;
}

/** Forget the communes loaded (a community was just created): the next screen asks again. */
export function forgetCommunes() {
  communeCache = null;
}

/** The commune a screen works on: ?commune=, else the one chosen last on this device, else the first. */
export function pickCommune(communes, query = {}) {
  let stored = null;
  try {
    stored = Number(localStorage.getItem(STORAGE_KEY));
  } catch {
    stored = null;
  }
  const wanted = Number(query.commune) || stored;
  return communes.find((c) => c.id === wanted) || communes[0];
}

/** Remember the commune chosen in the picker. */
export function rememberCommune(communeId) {
  try {
    localStorage.setItem(STORAGE_KEY, String(communeId));
  } catch {
    // private mode: the choice lasts for this visit only
  }
}

/** API path under the commune: communePath(3, "/broadcasts") → "/communes/3/broadcasts". */
export function communePath(communeId, rest = "") {
  return `/communes/${encodeURIComponent(communeId)}${rest}`;
}

/** "Réservé à la mairie": the screen a member sees instead of a staff screen. */
export function forbiddenNotice(title) {
  return notice({ title, text: t("mairie.common.staffOnly"), kind: "error", href: "#/", link: t("common.backHome") });
}

/** Heading of a staff screen: the title, the commune, and the way back to the mairie space. */
export function staffHeading(title, commune, { back = true } = {}) {
  return [
    back ? h("p", { class: "mairie-back" }, h("a", { href: "#/mairie" }, t("mairie.common.back"))) : null,
    h("h1", {}, title),
    h("p", { class: "lead" }, t("mairie.common.communeIs", { commune: commune.name })),
  ];
}

/**
 * The frame of a staff screen: check the role, load the communes, pick one, then
 * build({commune, communes, me}) (which may return a cleanup function). `adminOnly` screens
 * are for admins. Returns the screen's cleanup.
 */
export function staffScreen(container, { title, query = {}, adminOnly = false }, build) {
  const me = getMe();
  const allowed = adminOnly ? Boolean(me && me.is_admin) : canUseMairie(me);
  if (!allowed) {
    container.append(...(adminOnly ? notice({ title, text: t("mairie.common.adminOnly"), kind: "error", href: "#/", link: t("common.backHome") }) : forbiddenNotice(title)));
    return undefined;
  }
  let cleanup = null;
  let stopped = false;
  mount(container, h("h1", {}, title), h("p", { class: "loading" }, t("common.loading")));
  loadCommunes(me)
    .then((communes) => {
      if (stopped) return;
      container.replaceChildren();
      if (!communes.length) {
        container.append(h("h1", {}, title), h("p", { class: "banner banner--info" }, t("mairie.common.noCommune")));
        return;
      }
      const commune = pickCommune(communes, query);
      rememberCommune(commune.id);
      cleanup = build({ commune, communes, me });
    })
    .catch((err) => {
      if (stopped) return;
      mount(container, h("h1", {}, title), h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    });
  return () => {
    stopped = true;
    if (typeof cleanup === "function") cleanup();
  };
}

/** Names of the communities a broadcast or check goes to ("toute la commune" when all). */
export function areaText(commune, item) {
  if (item.all_communities || !item.community_ids || !item.community_ids.length) return t("mairie.common.wholeCommune");
  const names = new Map(commune.communities.map((c) => [c.id, c.name]));
  return item.community_ids.map((id) => names.get(id) || `#${id}`).join(", ");
}

/**
 * A hidden control that carries the error of a group of boxes (forms.js shows field errors on
 * a named control): setFieldError(form, name, message) marks the group, focus goes to `focusId`.
 */
function groupError(name) {
  const id = uid(name);
  const slot = h("p", { id, class: "field-error", hidden: true });
  const carrier = h("input", { type: "hidden", name, value: "" });
  carrier.dataset.errorId = id;
  return { slot, carrier };
}

/**
 * The area fieldset of a form: "Toute la commune" or chosen communities (checkboxes named
 * `community`). Returns {element, chosen()} where chosen() is [] for the whole commune and
 * null when "some" is picked with none checked (its error goes on `area_check`).
 */
export function areaPicker(commune, { legend, selected = [] } = {}) {
  const some = selected.length > 0;
  const error = groupError("area_check");
  const boxes = commune.communities.map((community) =>
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "community", value: String(community.id), checked: selected.includes(community.id), "data-clears": "area_check" }), h("span", { class: "choice-title" }, community.name)),
  );
  const list = h("div", { class: "mairie-area-list", hidden: !some }, boxes);
  const radio = (value, label, checked) =>
    h("label", { class: "choice" }, h("input", { type: "radio", name: "area", value, checked, "data-clears": "area_check", onchange: () => (list.hidden = value !== "some") }), h("span", { class: "choice-title" }, label));
  const element = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, legend || t("mairie.common.areaLegend")),
    error.slot,
    error.carrier,
    radio("all", t("mairie.common.wholeCommune"), !some),
    commune.communities.length > 1 ? radio("some", t("mairie.common.someCommunities"), some) : null,
    list,
  );
  return {
    element,
    chosen() {
      if (list.hidden) return [];
      const ids = [...element.querySelectorAll("input[name=community]:checked")].map((box) => Number(box.value));
      return ids.length ? ids : null;
    },
  };
}

/** Checkboxes named `channels`, the checked ones ticked; an empty choice errs on `channels_check`. */
export function channelBoxes(channels, checked, legend, hint = null) {
  const error = groupError("channels_check");
  const hintId = hint ? uid("channels-hint") : null;
  return h(
    "fieldset",
    { class: "choices mairie-channels" },
    h("legend", {}, legend),
    hint ? h("p", { id: hintId, class: "field-hint" }, hint) : null,
    error.slot,
    error.carrier,
    channels.map((channel) =>
      h("label", { class: "choice" }, h("input", { type: "checkbox", name: "channels", value: channel, checked: checked.includes(channel), "data-clears": "channels_check", "aria-describedby": hintId }), h("span", { class: "choice-title" }, t(`mairie.channels.${channel}`))),
    ),
  );
}

/** Values of the checked boxes named `name` under root. */
export function checkedValues(root, name) {
  return [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

/**
 * A "are you sure?" box: ask(lines, yesLabel, onYes(button), variant) shows the lines with a
 * yes and a cancel button (yes gets the focus). `element` goes where the box should appear.
 */
export function confirmBox() {
  const element = h("div", { class: "card card--warning", hidden: true });
  return {
    element,
    ask(lines, yesLabel, onYes, variant = "primary") {
      const yes = h("button", { type: "button", class: `button button--${variant}` }, yesLabel);
      yes.addEventListener("click", () => onYes(yes));
      element.replaceChildren(
        ...lines.map((line) => h("p", {}, line)),
        h("div", { class: "button-row" }, yes, h("button", { type: "button", class: "button button--secondary", onclick: () => (element.hidden = true) }, t("common.cancel"))),
      );
      element.hidden = false;
      yes.focus();
    },
  };
}

/** Tabs of a list: items [[value, href, text]]; the current one is marked for screen readers. */
export function tabs(label, items, current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": label },
    h("ul", {}, items.map(([value, href, text]) => h("li", {}, h("a", { href, class: "tab", "aria-current": value === current ? "page" : null }, text)))),
  );
}

/**
 * A small form that saves in place: the fields, a secondary button, its error and success
 * regions; save(values) does the work and returns the message to confirm it.
 */
export function savingForm(fields, buttonLabel, { validate, save }) {
  const alertRegion = formAlert();
  const status = statusRegion();
  const form = h("form", { class: "form" }, fields, alertRegion, submitButton(buttonLabel, "secondary"), status);
  handleSubmit(form, alertRegion, { validate, submit: async (values) => announce(status, await save(values), "success") });
  return form;
}

/** A "Télécharger (CSV)" link to an export of the API (the session cookie goes with it). */
export function csvLink(path, label = t("mairie.common.csv")) {
  return h("a", { href: `/api/v1${path}`, class: "button button--secondary button--small mairie-csv", download: "" }, label);
}

/**
 * A table in a horizontally scrollable region: columns [{key, label, numeric}], rows of
 * objects; cell(row, column) may return a node. The caption names it for screen readers.
 */
export function dataTable({ caption, columns, rows, cell = (row, column) => row[column.key], hiddenCaption = false }) {
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      { class: "mairie-table stack-narrow" }, // label/value lists at 200 % zoom (app.css)
      h("caption", { class: hiddenCaption ? "visually-hidden" : null }, caption),
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col", class: column.numeric ? "num" : null }, column.label)))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            {},
            columns.map((column, index) => {
              const value = cell(row, column);
              const text = value === null || value === undefined ? "" : value;
              return index === 0 ? h("th", { scope: "row" }, text) : h("td", { class: column.numeric ? "num" : null, "data-label": column.label }, typeof text === "number" ? String(text) : text);
            }),
          ),
        ),
      ),
    ),
  );
}

/** Delivery figures of a broadcast: a row per figure (sent, received, opened, failed, and the « SMS de
 * secours » when some went), a column per channel. */
export function reachTable(delivery, caption) {
  const channels = DELIVERY_CHANNELS.filter((channel) => delivery && delivery[channel]);
  if (!channels.length) return null;
  const columns = [{ key: "figure", label: t("mairie.reach.figure") }, ...channels.map((channel) => ({ key: channel, label: t(`mairie.channels.${channel}`), numeric: true }))];
  const figures = ["sent", "received", "opened", "failed"];
  if (channels.some((channel) => delivery[channel].fallback)) figures.push("fallback");
  const rows = figures.map((figure) => ({ figure: t(`mairie.reach.${figure}`), ...Object.fromEntries(channels.map((channel) => [channel, delivery[channel][figure] || 0])) }));
  return dataTable({ caption, columns, rows, hiddenCaption: true });
}

/**
 * Listen to the staff's live stream for one commune: onSection(section, data) for each
 * `dashboard.updated` of that commune, onAlert(alert) for new or changed alerts, refresh()
 * after a reconnection or while polling. Returns the stop function.
 */
export function watchCommune(communeId, { onSection = () => undefined, onAlert = () => undefined, refresh }) {
  return watchLive({
    types: ["dashboard.updated", "alert.created", "alert.updated"],
    onEvent: (type, data) => {
      if (type === "dashboard.updated") {
        if (data.commune_id === communeId) onSection(data.section, data);
      } else {
        onAlert(data);
      }
    },
    refresh,
  });
}

/** Call fn at most once per `ms` (live events come in bursts: one refetch for a burst). */
export function coalesce(fn, ms = 800) {
  let timer = null;
  const run = () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}

/** An ISO time as the value of a datetime-local input, in Paris time ("2026-11-26T14:00"). */
export function toLocalInput(iso) {
  if (!iso) return "";
  const parts = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}`;
}
