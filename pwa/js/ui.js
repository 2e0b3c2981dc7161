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

/**
 * A list of nodes keyed by numeric id and kept in id order (newest first with "desc"):
 * put(id, node) adds or replaces and returns true for a new one; remove(id); has(id); clear().
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
      if (existing) existing.replaceWith(node);
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
