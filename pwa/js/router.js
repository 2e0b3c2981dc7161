// Hash router: "#/path?query". Each screen is a module in screens/ exporting render(container, params).
import { h, mount } from "./dom.js";
import { t } from "./i18n.js";
import { isLoggedIn } from "./store.js";

// access: "private" needs a logged-in user, "guest" is only for logged-out visitors,
// "public" is for everyone.
const ROUTES = {
  "/": { screen: "home", access: "private", title: "home.title", nav: "home" },
  "/connexion": { screen: "login", access: "guest", title: "login.title" },
  "/inscription": { screen: "signup", access: "guest", title: "signup.title" },
  "/activation": { screen: "activation", access: "private", title: "activation.title", nav: "home" },
  "/reglages": { screen: "settings", access: "private", title: "settings.title", nav: "settings" },
  "/mot-de-passe-oublie": { screen: "forgot", access: "public", title: "forgot.title" },
  "/reinitialiser": { screen: "reset", access: "public", title: "reset.title" },
  "/alertes": { screen: "soon", access: "private", title: "nav.alerts", nav: "alerts" },
  "/alertes/nouvelle": { screen: "soon", access: "private", title: "soon.newAlert", nav: "alerts" },
  "/gazette": { screen: "soon", access: "private", title: "nav.gazette", nav: "gazette" },
  "/annuaire": { screen: "soon", access: "private", title: "nav.directory", nav: "directory" },
  // Town hall: staff (and admins); each screen tells anyone else it is not for them.
  "/mairie": { screen: "mairie-home", access: "private", title: "mairie.home.title", nav: "home" },
  "/mairie/diffusion": { screen: "mairie-compose", access: "private", title: "mairie.compose.title", nav: "home" },
  "/mairie/diffusions": { screen: "mairie-broadcasts", access: "private", title: "mairie.list.title", nav: "home" },
  "/mairie/verification": { screen: "mairie-safety", access: "private", title: "mairie.check.title", nav: "home" },
  "/mairie/tableau-de-bord": { screen: "mairie-dashboard", access: "private", title: "mairie.dashboard.title", nav: "home" },
  "/mairie/signalements": { screen: "mairie-inbox", access: "private", title: "mairie.inbox.title", nav: "home" },
  "/mairie/panneaux": { screen: "mairie-signage", access: "private", title: "mairie.signage.title", nav: "home" },
  "/admin/journal": { screen: "mairie-journal", access: "private", title: "mairie.journal.title", nav: "home" },
};
const NOT_FOUND = { screen: "notfound", access: "public", title: "notFound.title" };

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
  const route = ROUTES[path] || NOT_FOUND;
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
  cleanup = screen.render(container, { path, query, title: route.title });
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
