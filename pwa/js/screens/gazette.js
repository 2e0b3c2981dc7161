// #/gazette — the community's Gazette: the mairie's broadcasts sent « dans la Gazette », then pinned
// posts (and the mairie's communications), "Voir plus", filter by kind, search, live updates; the
// first page reads offline.
import { h, mount } from "../dom.js";
import { hasKey, t } from "../i18n.js";
import { apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { cachedBanner, refill } from "../ui.js";
import { refreshTimes, timeElement } from "../alerts.js";
import { watchLive } from "../live.js";
import { broadcastCard } from "../mairie.js";
import {
  GAZETTE_EVENTS,
  GAZETTE_KINDS,
  badge,
  eventDateTime,
  gazettePath,
  keyedList,
  longDate,
  memberOrNotice,
  photo,
  price,
} from "../community.js";

const EXCERPT = 180;

/** The kind in the UI language (the server's label for a kind we do not know). */
export function kindLabel(post) {
  const key = `gazette.kinds.${post.kind}`;
  return hasKey(key) ? t(key) : post.kind_label;
}

/** The short facts of a kind: price, event date and place, ride, communication's commune. */
export function kindSummary(post) {
  if (post.classified) {
    const c = post.classified;
    return [c.free ? t("gazette.free") : price(c.price_cents), c.expired ? ` · ${t("gazette.expired")}` : ` · ${t("gazette.until", { date: longDate(c.expires_at) })}`];
  }
  if (post.event) {
    const e = post.event;
    return [eventDateTime(e.starts_at), " · ", e.place, " · ", t("gazette.answers", { count: e.going, maybe: e.maybe })];
  }
  if (post.carpool) {
    const c = post.carpool;
    const seats = c.departed ? t("gazette.departed") : c.full ? t("gazette.full") : t("gazette.seatsLeft", { count: c.seats_left });
    return [t("gazette.ride", { from: c.from_place, to: c.to_place }), " · ", eventDateTime(c.departs_at), " · ", seats];
  }
  if (post.mairie) return t("gazette.mairieOf", { commune: post.mairie.commune_name });
  return null;
}

/** Badges: the kind, "À la une" (pinned), "Retirée". */
export function postBadges(post) {
  return [
    badge(post.kind === "mairie" ? "mairie" : "kind", kindLabel(post)),
    post.pinned ? badge("pending", t("gazette.pinned")) : null,
    post.status === "removed" ? badge("moderated", t("gazette.removed")) : null,
  ];
}

function excerpt(text) {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT).trimEnd()}…` : text;
}

/** The card of a post in the list; the whole card opens it. */
export function postCard(post, level = 2) {
  const cover = post.photos[0];
  return h(
    "article",
    { class: ["alert-card", "post-card", post.kind === "mairie" && "post-card--mairie", post.pinned && "post-card--pinned"], "data-post-id": String(post.id) },
    cover ? photo(cover.url, "", "post-card-photo") : null,
    h("p", { class: "alert-card-kicker" }, postBadges(post)),
    h(`h${level}`, { class: "alert-card-title" }, h("a", { href: `#/gazette/${post.id}`, class: "stretched-link" }, post.title)),
    kindSummary(post) ? h("p", { class: "post-card-facts" }, kindSummary(post)) : null,
    h("p", { class: "post-card-excerpt" }, excerpt(post.body)),
    h(
      "p",
      { class: "post-card-meta" },
      t("alerts.byAuthor", { name: post.author.name }),
      " · ",
      timeElement(post.created_at),
      post.comment_count ? ` · ${t("gazette.commentCount", { count: post.comment_count })}` : "",
      post.photos.length ? ` · ${t("gazette.photoCount", { count: post.photos.length })}` : "",
    ),
  );
}

function chip(label, pressed, onclick) {
  return h("button", { type: "button", class: "chip", "aria-pressed": String(pressed), onclick }, label);
}

export function render(container, { query }) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("gazette.title"));
  if (!membership) return undefined;
  const communityId = membership.community_id;
  let kind = GAZETTE_KINDS.includes(query.type) ? query.type : "";
  let q = query.q || "";
  let nextBefore = null;
  let paged = false;

  const cached = cachedBanner(null);
  const announcer = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const problem = h("div", { role: "alert" });
  const mairieTitle = h("h2", { class: "gazette-section-title", hidden: true }, t("gazette.mairieTitle"));
  const mairie = h("div", { class: "post-list gazette-broadcasts" });
  const pinnedTitle = h("h2", { class: "gazette-section-title", hidden: true }, t("gazette.pinnedTitle"));
  const pinned = h("div", { class: "post-list" });
  const listTitle = h("h2", { class: "gazette-section-title", hidden: true }, t("gazette.latestTitle"));
  const list = keyedList("post-list");
  const empty = h("p", { class: "lead", hidden: true });
  const more = h("button", { type: "button", class: "button button--secondary button--block", hidden: true }, t("gazette.more"));
  const chips = h("div", { class: "chips", role: "group", "aria-label": t("gazette.filterLabel") });
  const searchInput = h("input", { type: "search", name: "q", id: "gazette-q", class: "input", value: q, autocomplete: "off", enterkeyhint: "search" });
  const clearSearch = h("button", { type: "button", class: "button button--secondary", hidden: !q }, t("gazette.clearSearch"));

  function drawChips() {
    chips.replaceChildren(
      chip(t("gazette.allKinds"), !kind, () => setFilter("", q)),
      ...GAZETTE_KINDS.map((k) => chip(t(`gazette.filters.${k}`), kind === k, () => setFilter(k, q))),
    );
  }

  /** Keep the filter in the address (back and reload keep it) without re-rendering the screen. */
  function setFilter(newKind, newQ) {
    kind = newKind;
    q = newQ;
    const params = new URLSearchParams();
    if (kind) params.set("type", kind);
    if (q) params.set("q", q);
    history.replaceState(null, "", `#/gazette${params.toString() ? `?${params}` : ""}`);
    clearSearch.hidden = !q;
    drawChips();
    load({ reset: true });
  }

  function showFirstPage(data) {
    const broadcasts = data.broadcasts || [];
    refill(mairie, broadcasts.map((b) => broadcastCard(b, { level: 3 })));
    mairieTitle.hidden = broadcasts.length === 0;
    refill(pinned, data.pinned.map((post) => postCard(post)));
    pinnedTitle.hidden = data.pinned.length === 0;
    data.pinned.forEach((post) => list.remove(post.id));
  }

  async function load({ before = null, reset = false } = {}) {
    more.disabled = true;
    try {
      const { data, cachedAt } = await apiRead(gazettePath(communityId, { kind, q, before }));
      if (reset) list.clear();
      if (!before) {
        cachedBanner(cachedAt, cached);
        showFirstPage(data);
      }
      data.items.forEach((post) => list.put(post.id, postCard(post)));
      if (before || reset || !paged) nextBefore = data.next_before; // a live refresh keeps the pages shown
      if (before) paged = true;
      if (reset) paged = false;
      more.hidden = nextBefore === null;
      listTitle.hidden = list.size === 0 || (pinned.children.length === 0 && mairie.children.length === 0);
      empty.hidden = list.size > 0 || pinned.children.length > 0 || mairie.children.length > 0;
      empty.textContent = q || kind ? t("gazette.noMatch") : t("gazette.empty");
      problem.replaceChildren();
    } catch (err) {
      if (reset) {
        list.clear();
        pinned.replaceChildren();
        mairie.replaceChildren();
      }
      problem.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
    } finally {
      more.disabled = false;
    }
  }

  function onLive(type, data) {
    if (type === "gazette.post_removed") {
      list.remove(data.post_id);
      pinned.querySelector(`[data-post-id="${Number(data.post_id)}"]`)?.remove();
      return;
    }
    if (type === "gazette.post_created") announcer.textContent = t("gazette.newLive", { title: data.title || "" });
    load();
  }

  const search = h(
    "form",
    { class: "search-form", role: "search" },
    h("label", { for: "gazette-q", class: "field-label" }, t("gazette.searchLabel")),
    h("div", { class: "field-row" }, searchInput, h("button", { type: "submit", class: "button button--primary" }, t("gazette.search")), clearSearch),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    setFilter(kind, searchInput.value.trim());
  });
  clearSearch.addEventListener("click", () => {
    searchInput.value = "";
    setFilter(kind, "");
    searchInput.focus();
  });
  more.addEventListener("click", () => load({ before: nextBefore }));
  drawChips();

  const stopLive = watchLive({ types: GAZETTE_EVENTS, onEvent: onLive, refresh: () => load() });
  const clock = setInterval(() => refreshTimes(container), 60000);
  mount(
    container,
    h("h1", {}, t("gazette.title")),
    h("p", { class: "lead" }, t("gazette.intro", { community: membership.community_name })),
    h("a", { href: "#/gazette/nouveau", class: "button button--primary button--block button--large" }, t("gazette.write")),
    cached,
    search,
    chips,
    announcer,
    problem,
    mairieTitle,
    mairie,
    pinnedTitle,
    pinned,
    listTitle,
    list.element,
    empty,
    more,
  );
  load();
  return () => {
    stopLive();
    clearInterval(clock);
  };
}
