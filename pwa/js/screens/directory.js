// #/annuaire — the community's members: photo, name, street, what they can help with, and the
// contact fields the API gives this viewer (nothing more). The whole directory is one answer,
// searched on the device (name, street, interests, skills), so it reads and searches offline.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { cachedBanner } from "../ui.js";
import { avatar, badge, directoryPath, facts, matchesEveryWord, memberOrNotice } from "../community.js";

/** "Je peux aider pour…": the fixed skills, the member's own words, and their sentence. */
export function helpText(entry) {
  return [...entry.skills.map((skill) => skill.label), ...entry.skills_other].join(", ");
}

/** The contact fields the viewer may see (the API sends null for the others). */
export function contactList(entry) {
  const rows = [];
  if (entry.address) rows.push([t("directory.address"), entry.address]);
  if (entry.contacts.phone) rows.push([t("directory.phone"), h("a", { href: `tel:${entry.contacts.phone.replace(/\s/g, "")}` }, entry.contacts.phone)]);
  if (entry.contacts.email) rows.push([t("directory.email"), h("a", { href: `mailto:${entry.contacts.email}` }, entry.contacts.email)]);
  if (entry.contacts.other) rows.push([t("directory.other"), entry.contacts.other]);
  return rows.length ? facts(rows, "contact-list") : null;
}

/** The words a search looks into: name, street (never the number), interests, skills. */
function searchable(entry) {
  return [entry.name, entry.street, ...entry.interests, helpText(entry), entry.help_note];
}

function memberCard(entry) {
  const help = helpText(entry);
  return h(
    "article",
    { class: "member-card", "data-user-id": String(entry.user_id) },
    avatar(entry.photo_url, entry.name, "medium"),
    h(
      "div",
      { class: "member-card-text" },
      h("h2", { class: "member-card-name" }, h("a", { href: `#/annuaire/${entry.user_id}` }, entry.name), entry.role === "referent" ? [" ", badge("resolved", t("directory.referent"))] : null, entry.is_me ? [" ", badge("kind", t("directory.me"))] : null),
      entry.street ? h("p", { class: "member-card-street" }, entry.street) : null,
      help || entry.help_note ? h("p", {}, h("strong", {}, t("directory.canHelp")), " ", help, help && entry.help_note ? ". " : "", entry.help_note) : null,
      entry.interests.length ? h("p", {}, h("strong", {}, t("directory.interests")), " ", entry.interests.join(", ")) : null,
      contactList(entry),
    ),
  );
}

export function render(container, { query }) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("directory.title"));
  if (!membership) return;
  let entries = [];
  const cached = cachedBanner(null);
  const list = h("div", { class: "member-list" }, h("p", { class: "loading" }, t("common.loading")));
  const count = h("p", { class: "search-count", role: "status", "aria-live": "polite" });
  const input = h("input", { type: "search", id: "directory-q", class: "input", value: query.q || "", autocomplete: "off", enterkeyhint: "search" });

  function draw() {
    const q = input.value.trim();
    const shown = entries.filter((entry) => !q || matchesEveryWord(q, searchable(entry)));
    list.replaceChildren(...shown.map(memberCard));
    count.textContent = q ? t("directory.found", { count: shown.length }) : t("directory.total", { count: entries.length });
  }

  input.addEventListener("input", () => {
    const q = input.value.trim();
    history.replaceState(null, "", `#/annuaire${q ? `?q=${encodeURIComponent(q)}` : ""}`); // back keeps the search
    draw();
  });
  const search = h(
    "form",
    { class: "search-form", role: "search", onsubmit: (event) => event.preventDefault() },
    h("label", { for: "directory-q", class: "field-label" }, t("directory.searchLabel")),
    h("p", { class: "field-hint", id: "directory-q-hint" }, t("directory.searchHint")),
    input,
  );
  input.setAttribute("aria-describedby", "directory-q-hint");
  mount(
    container,
    h("h1", {}, t("directory.title")),
    h("p", { class: "lead" }, t("directory.intro", { community: membership.community_name })),
    h("a", { href: "#/profil", class: "button button--secondary button--block" }, t("directory.editMine")),
    cached,
    search,
    count,
    list,
  );
  apiRead(directoryPath(membership.community_id))
    .then(({ data, cachedAt }) => {
      entries = data;
      cachedBanner(cachedAt, cached);
      draw();
    })
    .catch((err) => list.replaceChildren(h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err))));
}
