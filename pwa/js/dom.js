// Safe DOM building: text always goes through text nodes, never through HTML parsing.

function setAttribute(el, name, value) {
  if (value === null || value === undefined || value === false) return;
  if (name === "innerHTML" || name === "outerHTML" || name === "style") {
    // style= is blocked by the CSP; HTML from data is never allowed.
    throw new Error(`h(): attribute "${name}" is not allowed`);
  }
  if (name.startsWith("on") && typeof value === "function") {
    el.addEventListener(name.slice(2).toLowerCase(), value);
  } else if (name === "class") {
    el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
  } else if (name === "dataset") {
    Object.assign(el.dataset, value);
  } else if (name === "value" && "value" in el) {
    el.value = value;
  } else if (name === "checked" || name === "selected") {
    el[name] = Boolean(value);
  } else {
    el.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(el, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    child.forEach((c) => append(el, c));
  } else if (child instanceof Node) {
    el.appendChild(child);
  } else {
    el.appendChild(document.createTextNode(String(child)));
  }
}

/** h("p", {class: "hint"}, "text", otherNode): create an element; strings become text. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) setAttribute(el, name, value);
  append(el, children);
  return el;
}

/** Remove every child of el. */
export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Replace the children of el with the given nodes or strings. */
export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let idCounter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = "f") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
