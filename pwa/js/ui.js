// Page pieces shared by the screens.
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";
import { shortDateTime } from "./time.js";
import { CACHED_READ } from "./api.js";

/** A titled card: <section class="card"> labelled by its <h2>. */
export function card(title, ...children) {
  const id = uid("card");
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/**
 * A one-message screen: heading, a banner (kind: info, success, error) or a lead paragraph,
 * and one big link onwards. Returns the nodes to append.
 */
export function notice({ title, text, kind = null, href, link, variant = "primary" }) {
  return [
    h("h1", {}, title),
    kind ? h("p", { class: `banner banner--${kind}` }, text) : h("p", { class: "lead" }, text),
    h("a", { href, class: `button button--${variant} button--block` }, link),
  ];
}

/**
 * "Hors ligne — données du 12/03 à 14:05": shown when an answer came from the worker's offline
 * copy (apiRead's cachedAt); an empty placeholder otherwise, so the screen can fill it later.
 */
export function cachedBanner(cachedAt, slot = h("div", { class: "cached-slot" })) {
  slot.replaceChildren();
  if (cachedAt) {
    slot.append(h("p", { class: "banner banner--offline", role: "status" }, t("offline.cachedData", { when: shortDateTime(cachedAt) })));
  }
  return slot;
}

/**
 * The offline banner on every screen whose data came from the worker's copy: a screen that
 * shows one itself (cachedBanner) keeps its own; any other gets one at its top. An answer that
 * arrives after the person moved to another screen is ignored.
 */
export function watchCachedReads(container) {
  window.addEventListener(CACHED_READ, (event) => {
    const { cachedAt, screen } = event.detail;
    // After the screen's own code ran (it places its banner right after the read).
    setTimeout(() => {
      if (location.hash !== screen || container.querySelector(".banner--offline[role='status']")) return;
      container.prepend(cachedBanner(cachedAt));
    }, 0);
  });
}

// The fields the person changed (typed in, ticked, picked) and has not sent yet: a refresh never replaces a
// node holding one. Sent (its form submitted), a field no longer holds them: the answer may redraw it.
const edited = new WeakSet();
document.addEventListener("input", (event) => edited.add(event.target), true);
document.addEventListener("submit", (event) => event.target.querySelectorAll("input, textarea, select").forEach((field) => edited.delete(field)), true);

/** The person is writing in `el`: one of its fields has the focus, or holds what they typed and did not send. */
export function beingEdited(el) {
  const fields = [...el.querySelectorAll("input, textarea, select")];
  return fields.includes(document.activeElement) || fields.some((field) => edited.has(field) && field.value !== "");
}

const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

/** Replace `old` with `node`; the focus, if it was in `old`, goes to what sits at its place in `node`. */
function replaceKeepingFocus(old, node) {
  const focused = document.activeElement;
  const index = focused && old.contains(focused) ? [...old.querySelectorAll(FOCUSABLE)].indexOf(focused) : -1;
  old.replaceWith(node);
  const target = index >= 0 ? node.querySelectorAll(FOCUSABLE)[index] : null;
  if (target) target.focus({ preventScroll: true });
}

/**
 * Replace the children of `el` with `children` (nodes, strings, arrays, as h() takes them), unless they
 * show just what `el` shows: a refresh with nothing new leaves the screen, and its focus, alone.
 * Returns true when it replaced them.
 */
export function refill(el, ...children) {
  const next = h("div", {}, ...children);
  const same = next.childNodes.length === el.childNodes.length && [...next.childNodes].every((node, i) => node.isEqualNode(el.childNodes[i]));
  if (!same) el.replaceChildren(...next.childNodes);
  return !same;
}

/**
 * `draw(data)`, made to skip data equal to what it drew last: a refresh with nothing new leaves the screen
 * alone. Its clear(slot, ...nodes) puts `nodes` (or nothing) in the slot it drew in, in place of the drawing:
 * the next data is drawn whatever it is.
 */
export function drawWhenChanged(draw) {
  let last = null;
  const drawn = (data) => {
    const key = JSON.stringify(data);
    if (key === last) return;
    last = key;
    draw(data);
  };
  drawn.clear = (slot, ...nodes) => {
    slot.replaceChildren(...nodes);
    last = null;
  };
  return drawn;
}

/** When `wanted`, fill `slot` with makeForm() unless it holds one already (what was typed there stays); else empty it. */
export function keepForm(slot, wanted, makeForm) {
  if (!wanted) slot.replaceChildren();
  else if (!slot.firstElementChild) slot.replaceChildren(makeForm());
}

/**
 * A list of nodes keyed by numeric id and kept in id order (newest first with "desc"):
 * put(id, node) adds or replaces and returns true for a new one; remove(id); has(id); clear().
 * A node is kept as it is when the new one shows the same, or while the person writes in it;
 * replaced, the focus it held goes to the same place in the new one.
 */
export function keyedList(className, order = "desc") {
  const element = h("div", { class: className });
  const nodes = new Map();
  const before = (a, b) => (order === "desc" ? a > b : a < b);
  return {
    element,
    get size() {
      return nodes.size;
    },
    has: (id) => nodes.has(id),
    put(id, node) {
      node.dataset.key = String(id);
      const existing = nodes.get(id);
      if (existing && (existing.isEqualNode(node) || beingEdited(existing))) return false;
      if (existing) replaceKeepingFocus(existing, node);
      else element.insertBefore(node, [...element.children].find((other) => before(id, Number(other.dataset.key))) || null);
      nodes.set(id, node);
      return !existing;
    },
    remove(id) {
      const node = nodes.get(id);
      if (node) node.remove();
      nodes.delete(id);
    },
    clear() {
      nodes.clear();
      element.replaceChildren();
    },
  };
}
