// Hash router: "#/path?query". Each screen is a module in screens/ exporting render(container, params).
import { h, mount } from "./dom.js";
import { t } from "./i18n.js";
import { isLoggedIn } from "./store.js";

// access: "private" needs a logged-in user, "guest" is only for logged-out visitors,
// "public" is for everyone. office: a screen for the mairie or moderators, who work on a laptop:
// from ~1024 px it uses the width instead of the phone's column (body.office, app.css).
const ROUTES = {
  "/": { screen: "home", access: "private", title: "home.title", nav: "home" },
  "/connexion": { screen: "login", access: "guest", title: "login.title" },
  "/inscription": { screen: "signup", access: "guest", title: "signup.title" },
  "/activation": { screen: "activation", access: "private", title: "activation.title", nav: "home" },
  "/reglages": { screen: "settings", access: "private", title: "settings.title", nav: "settings" },
  "/reglages/mes-donnees": { screen: "my-data", access: "private", title: "privacy.mine.title", nav: "settings" },
  "/confidentialite": { screen: "privacy", access: "public", title: "privacy.page.title" },
  "/mot-de-passe-oublie": { screen: "forgot", access: "public", title: "forgot.title" },
  "/reinitialiser": { screen: "reset", access: "public", title: "reset.title" },
  // The public pages (issue 15): where Vigie exists and its figures, for anyone.
  "/carte": { screen: "open-map", access: "public", title: "open.map.title" },
  "/chiffres": { screen: "open-stats", access: "public", title: "open.stats.title" },
  "/adhesion-mairie": { screen: "mairie-application", access: "public", title: "partnership.apply.title" },
  "/invitation": { screen: "invitation", access: "public", title: "partnership.invitation.title" },
  "/police/accuse": { screen: "police-ack", access: "public", title: "partnership.ack.title" },
  "/alertes": { screen: "alerts", access: "private", title: "alerts.title", nav: "alerts" },
  "/alertes/nouvelle": { screen: "alert-new", access: "private", title: "newAlert.title", nav: "alerts" },
  "/moderation": { screen: "moderation", access: "private", title: "moderation.title", nav: "home", office: true },
  "/moderation/courriers": { screen: "letters", access: "private", title: "letters.title", nav: "home", office: true },
  "/moderation/signalements": { screen: "moderation-reports", access: "private", title: "office.reports.title", nav: "home", office: true },
  "/quartiers": { screen: "communities", access: "private", title: "communities.title", nav: "settings" },
  "/quartiers/perimetre": { screen: "community-perimeter", access: "private", title: "perimeter.title", nav: "settings" },
  "/gazette": { screen: "gazette", access: "private", title: "gazette.title", nav: "gazette" },
  "/gazette/nouveau": { screen: "gazette-new", access: "private", title: "gazetteNew.title", nav: "gazette" },
  "/annuaire": { screen: "directory", access: "private", title: "directory.title", nav: "directory" },
  "/profil": { screen: "directory-profile", access: "private", title: "profile.title", nav: "directory" },
  "/messages": { screen: "messages", access: "private", title: "messages.title", nav: "home" },
  "/messages/nouveau": { screen: "messages-new", access: "private", title: "messagesNew.title", nav: "home" },
  "/veille": { screen: "checkins", access: "private", title: "checkins.title", nav: "home" },
  "/veille/nouvelle": { screen: "checkins-new", access: "private", title: "checkinsNew.title", nav: "home" },
  "/veille/quartier": { screen: "checkins-community", access: "private", title: "checkinsCommunity.title", nav: "home" },
  "/registre": { screen: "register", access: "private", title: "register.title", nav: "home" },
  "/registre/benevole": { screen: "register-volunteer", access: "private", title: "register.volunteer.title", nav: "home" },
  // Town hall: staff (and admins); each screen tells anyone else it is not for them.
  "/mairie": { screen: "mairie-home", access: "private", title: "mairie.home.title", nav: "home", office: true },
  "/mairie/diffusion": { screen: "mairie-compose", access: "private", title: "mairie.compose.title", nav: "home", office: true },
  "/mairie/diffusions": { screen: "mairie-broadcasts", access: "private", title: "mairie.list.title", nav: "home", office: true },
  "/mairie/verification": { screen: "mairie-safety", access: "private", title: "mairie.check.title", nav: "home", office: true },
  "/mairie/registre": { screen: "mairie-register", access: "private", title: "mairie.register.title", nav: "home", office: true },
  "/mairie/episodes": { screen: "mairie-episodes", access: "private", title: "mairie.episodes.title", nav: "home", office: true },
  "/mairie/tableau-de-bord": { screen: "mairie-dashboard", access: "private", title: "mairie.dashboard.title", nav: "home", office: true },
  "/mairie/signalements": { screen: "mairie-inbox", access: "private", title: "mairie.inbox.title", nav: "home", office: true },
  "/mairie/panneaux": { screen: "mairie-signage", access: "private", title: "mairie.signage.title", nav: "home", office: true },
  "/mairie/organisation": { screen: "mairie-organisation", access: "private", title: "office.organisation.title", nav: "home", office: true },
  "/admin/journal": { screen: "mairie-journal", access: "private", title: "mairie.journal.title", nav: "home", office: true },
  "/admin/communes": { screen: "admin-platform", access: "private", title: "office.platform.title", nav: "home", office: true },
  "/mairie/participation": { screen: "mairie-partnership", access: "private", title: "partnership.staff.title", nav: "home", office: true },
  "/admin/adhesions": { screen: "admin-applications", access: "private", title: "partnership.admin.title", nav: "home", office: true },
};
// Routes with a parameter: [pattern, route]; the groups are named and passed as `params`.
const PATTERNS = [
  [/^\/alertes\/(?<id>\d+)$/, { screen: "alert-detail", access: "private", title: "alertDetail.title", nav: "alerts" }],
  [/^\/gazette\/(?<id>\d+)$/, { screen: "gazette-post", access: "private", title: "gazettePost.title", nav: "gazette" }],
  [/^\/annuaire\/(?<id>\d+)$/, { screen: "directory-member", access: "private", title: "directory.title", nav: "directory" }],
  [/^\/messages\/(?<id>\d+)$/, { screen: "messages-thread", access: "private", title: "messages.conversation", nav: "home" }],
  [/^\/veille\/(?<id>\d+)$/, { screen: "checkins-detail", access: "private", title: "checkins.title", nav: "home" }],
  // The links of the mairie's notifications: a broadcast (public, like its CAP feed), a safety check.
  [/^\/mairie\/(?<id>\d+)$/, { screen: "mairie-broadcast", access: "public", title: "mairie.member.broadcastTitle", nav: "home" }],
  [/^\/mairie\/controle\/(?<id>\d+)$/, { screen: "mairie-check", access: "private", title: "mairie.safety.title", nav: "home" }],
];
const NOT_FOUND = { screen: "notfound", access: "public", title: "notFound.title" };

/** The route of a path and its parameters. */
function match(path) {
  if (ROUTES[path]) return { route: ROUTES[path], params: {} };
  for (const [pattern, route] of PATTERNS) {
    const found = pattern.exec(path);
    if (found) return { route, params: { ...found.groups } };
  }
  return { route: NOT_FOUND, params: {} };
}

let container = null;
let cleanup = null;
let renderCount = 0;
let renderedPath = null;

/** The current location as {path, query}. */
export function currentLocation() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [pathPart, queryPart = ""] = raw.split("?");
  let path;
  try {
    path = decodeURIComponent(pathPart);
  } catch {
    path = pathPart;
  }
  path = path.replace(/\/+$/, "") || "/";
  return { path, query: Object.fromEntries(new URLSearchParams(queryPart)) };
}

/** Go to a route, e.g. navigate("/reglages"); re-renders when already there. */
export function navigate(target) {
  const hash = `#${target}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

function redirectFor(route, path, query) {
  if (route.access === "private" && !isLoggedIn()) {
    return path === "/" ? "/connexion" : `/connexion?next=${encodeURIComponent(path)}`;
  }
  if (route.access === "guest" && isLoggedIn()) return safeNext(query.next);
  return null;
}

/** A "next" parameter is only ever a path of this app. */
export function safeNext(next) {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function markNavigation(navKey) {
  document.querySelectorAll("[data-nav]").forEach((link) => {
    if (link.dataset.nav === navKey) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
}

/** The control that had focus, found again after the same screen was re-rendered. */
function sameControl(previous) {
  if (!previous || !previous.name || !container.contains(previous)) return null;
  const value = previous.type === "radio" ? `[value="${CSS.escape(previous.value)}"]` : "";
  return () => container.querySelector(`[name="${CSS.escape(previous.name)}"]${value}`);
}

function showLoadError(runId) {
  if (runId !== renderCount) return;
  mount(
    container,
    h("h1", { tabindex: "-1" }, t("loadError.title")),
    h("p", { class: "banner banner--error", role: "alert" }, t("loadError.text")),
    h("button", { type: "button", class: "button", onclick: () => render() }, t("common.retry")),
  );
}

/** Render the screen of the current hash into the container. */
export async function render() {
  const runId = ++renderCount;
  const { path, query } = currentLocation();
  const { route, params } = match(path);
  const target = redirectFor(route, path, query);
  if (target) {
    history.replaceState(null, "", `#${target}`);
    render();
    return;
  }
  let screen;
  try {
    screen = await import(`./screens/${route.screen}.js`);
  } catch (err) {
    console.error(err);
    showLoadError(runId);
    return;
  }
  if (runId !== renderCount) return; // the user went elsewhere meanwhile
  // Re-rendering the same screen (e.g. after a language switch) keeps focus and scroll.
  const refocus = path === renderedPath ? sameControl(document.activeElement) : null;
  if (typeof cleanup === "function") cleanup();
  container.replaceChildren();
  cleanup = screen.render(container, { path, query, params, title: route.title });
  document.body.classList.toggle("office", Boolean(route.office));
  document.title = `${t(route.title)} — Vigie`;
  markNavigation(route.nav);
  const again = refocus && refocus();
  if (again) {
    again.focus();
  } else {
    const heading = container.querySelector("h1");
    if (heading && renderedPath !== null) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    window.scrollTo(0, 0);
  }
  renderedPath = path;
}

/** Start listening to hash changes and render the first screen. */
export function startRouter(element) {
  container = element;
  window.addEventListener("hashchange", () => render());
  return render();
}
