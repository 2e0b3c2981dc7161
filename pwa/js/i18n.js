// Translations: pwa/i18n/<lang>.json, nested objects addressed by dotted keys ("signup.title").
import { withPreposition } from "./french.js";

export const LANGUAGES = ["fr", "en"];
const DEFAULT_LANG = "fr";
const STORAGE_KEY = "vigie.lang";
// Feature catalogues, pwa/i18n/<lang>.<feature>.json, merged into the main one at load: each
// feature keeps its strings in files of its own (list them in the worker's SHELL_FILES too).
// ("mairie-staff" is the town-hall staff's screens: fetched at start, not kept in the shell.)
// ("open": the public map and figures, the commune finder: fetched at start, not kept in the shell.)
// ("privacy": « Mes données » and the privacy page: fetched at start, not kept in the shell.)
// ("partnership": mairies joining, the police link, « Participation citoyenne »: likewise.)
// ("register": the register of fragile people: likewise.)
const EXTRA = ["community", "mairie", "mairie-staff", "open", "privacy", "partnership", "register"];

let lang = DEFAULT_LANG;
let messages = {};
let fallback = {};
const listeners = new Set();

function lookup(dict, key) {
  let node = dict;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

/** The string of a key; a plural entry {one, other} is chosen with params.count. */
function message(dict, key, params) {
  const node = lookup(dict, key);
  if (typeof node === "string") return node;
  if (node && typeof node === "object" && typeof params.count === "number") {
    const form = new Intl.PluralRules(lang).select(params.count);
    return node[form] ?? node.other;
  }
  return undefined;
}

async function fetchJson(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`i18n ${path}: HTTP ${response.status}`);
  return response.json();
}

/** `base` with `extra`'s keys added, nested objects merged key by key (`extra` wins a clash). */
function merge(base, extra) {
  const out = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const both = value && typeof value === "object" && base[key] && typeof base[key] === "object";
    out[key] = both ? merge(base[key], value) : value;
  }
  return out;
}

/** The main catalogue of a language with its feature catalogues (a missing one is skipped). */
async function fetchCatalogue(code) {
  const [main, ...extras] = await Promise.all([
    fetchJson(`/i18n/${code}.json`),
    ...EXTRA.map((feature) => fetchJson(`/i18n/${code}.${feature}.json`).catch(() => ({}))),
  ]);
  return extras.reduce(merge, main);
}

/** The language chosen on this device before (localStorage), or null. */
export function storedLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(stored) ? stored : null;
  } catch {
    return null;
  }
}

/** The language chosen before (localStorage), else the browser's, else French. */
export function preferredLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  if (LANGUAGES.includes(stored)) return stored;
  for (const wanted of navigator.languages || [navigator.language || ""]) {
    const code = String(wanted).slice(0, 2).toLowerCase();
    if (LANGUAGES.includes(code)) return code;
  }
  return DEFAULT_LANG;
}

/** Load a catalogue and make it current; sets <html lang>. */
export async function loadLanguage(code) {
  if (!LANGUAGES.includes(code)) code = DEFAULT_LANG;
  if (!Object.keys(fallback).length) fallback = await fetchCatalogue(DEFAULT_LANG);
  messages = code === DEFAULT_LANG ? fallback : await fetchCatalogue(code);
  lang = code;
  document.documentElement.lang = code;
  listeners.forEach((fn) => fn(code));
}

/** Switch language and remember the choice on this device. */
export async function setLanguage(code) {
  await loadLanguage(code);
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // private mode: the choice lasts for this visit only
  }
}

export function getLang() {
  return lang;
}

export function hasKey(key) {
  return typeof lookup(messages, key) === "string" || typeof lookup(fallback, key) === "string";
}

// Placeholders that « de » / « à » contract with (see french.js): place names, with whether it is a
// commune's official name, and the month in words (« Budget SMS d'avril 2027 »).
const PLACES = { community: false, commune: true, from: true, to: true, month: false };
// « de {community} », « à {commune} » (the preposition a word of its own), or any {placeholder}.
const PLACEHOLDER = /(?<![\p{L}'’])(de|De|à|À) \{(\w+)\}|\{(\w+)\}/gu;

/**
 * t("home.welcome", {community: "Bastille"}): the message with {placeholders} filled in.
 * An entry {"one": …, "other": …} is a plural, chosen by params.count.
 * « de » / « à » before a place placeholder contract with its article: "Les nouvelles de
 * {community}" with "Les Tilleuls" reads « Les nouvelles des Tilleuls ».
 */
export function t(key, params = {}) {
  const text = message(messages, key, params) ?? message(fallback, key, params) ?? key;
  return text.replace(PLACEHOLDER, (match, preposition, placeName, name) => {
    if (!preposition) return name in params ? String(params[name]) : match;
    if (!(placeName in params)) return match;
    const value = String(params[placeName]);
    return placeName in PLACES ? withPreposition(preposition, value, PLACES[placeName]) : `${preposition} ${value}`;
  });
}

/** Call fn(lang) after each language change; returns an unsubscribe function. */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Fill elements marked data-i18n="key" (static text of index.html) with their translation. */
export function translateStatic(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll("[data-i18n-label]").forEach((el) => {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  });
}
