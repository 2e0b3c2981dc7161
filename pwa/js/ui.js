// Page pieces shared by the screens.
import { h, uid } from "./dom.js";

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
