// The one place the app shell's version lives. Bump it with every change to pwa/ or
// service_worker/: the new worker then precaches a fresh "vigie-shell-<VERSION>" cache,
// open pages show "Nouvelle version — recharger", and the old cache is deleted on activation.
// Pages read it too (pwa/js/sw-client.js registers /sw.js?v=<VERSION>).
export const VERSION = "2026-12-02.35";
