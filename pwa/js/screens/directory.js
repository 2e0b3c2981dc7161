// #/annuaire — the community's members: photo, name, street, what they can help with, and the
// contact fields the API gives this viewer (nothing more). A page of DIRECTORY_PAGE members by
// name, « Voir plus » for the next (a button, not an endless scroll: the page does not move
// under an elderly reader's finger); the search asks the server (the whole directory, accents
// aside). Offline, the pages kept by the worker are shown and searched on the device.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { cachedBanner } from "../ui.js";
import { avatar, badge, directoryPagePath, facts, matchesEveryWord, memberOrNotice } from "../community.js";

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

const SEARCH_DELAY = 350; // ms after the last key before the search asks the server

export function render(container, { query }) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("directory.title"));
  if (!membership) return;
  let entries = []; // the pages shown, in order
  let kept = []; // the pages without a search, for searching on the device when offline
  let total = 0;
  let nextAfter = null;
  let asked = 0; // the latest request: older answers are dropped
  let timer = null;
  const cached = cachedBanner(null);
  const problem = h("div", { role: "alert" });
  const list = h("div", { class: "member-list" }, h("p", { class: "loading" }, t("common.loading")));
  const count = h("p", { class: "search-count", role: "status", "aria-live": "polite" });
  const input = h("input", { type: "search", id: "directory-q", class: "input", value: query.q || "", autocomplete: "off", enterkeyhint: "search" });
  const more = h("button", { type: "button", class: "button button--secondary button--block", hidden: true }, t("directory.more"));

  function draw(q, shown, found) {
    list.replaceChildren(...shown.map(memberCard));
    count.textContent = q ? t("directory.found", { count: found }) : t("directory.total", { count: found });
    more.hidden = nextAfter === null;
  }

  async function load({ after = null } = {}) {
    const q = input.value.trim();
    const mine = ++asked;
    more.disabled = true;
    try {
      const { data, cachedAt } = await apiRead(directoryPagePath(membership.community_id, { q, after }));
      if (mine !== asked) return;
      entries = after ? [...entries, ...data.items] : data.items;
      if (!q) kept = entries;
      total = data.total;
      nextAfter = data.next_after;
      cachedBanner(cachedAt, cached);
      problem.replaceChildren();
      draw(q, entries, total);
    } catch (err) {
      if (mine !== asked) return;
      if ((err.status === 0 || err.code === "offline") && kept.length) {
        // offline, and this search or page is not kept: look in what is
        nextAfter = null;
        const shown = kept.filter((entry) => !q || matchesEveryWord(q, searchable(entry)));
        draw(q, shown, q ? shown.length : kept.length);
        return;
      }
      problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
      if (!after) list.replaceChildren();
    } finally {
      if (mine === asked) more.disabled = false;
    }
  }

  input.addEventListener("input", () => {
    const q = input.value.trim();
    history.replaceState(null, "", `#/annuaire${q ? `?q=${encodeURIComponent(q)}` : ""}`); // back keeps the search
    clearTimeout(timer);
    timer = setTimeout(() => load(), SEARCH_DELAY);
  });
  more.addEventListener("click", () => load({ after: nextAfter }));
  const search = h(
    "form",
    {
      class: "search-form",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        clearTimeout(timer);
        load();
      },
    },
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
    problem,
    list,
    more,
  );
  load();
  return () => clearTimeout(timer);
}
