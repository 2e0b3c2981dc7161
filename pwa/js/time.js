// Dates for people: "il y a 5 minutes", "mardi 12 mars à 14:05", "12/03 à 14:05".
// Always in Paris time (Europe/Paris; Brussels keeps the same hours), whatever the device's zone: an
// alert at « 14:05 » must read the same on a phone set to another zone as in the SMS and e-mails.
import { getLang, t } from "./i18n.js";

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

export const TIME_ZONE = "Europe/Paris";

function formatter(options) {
  return new Intl.DateTimeFormat(getLang(), { timeZone: TIME_ZONE, ...options });
}

/** "14:05" */
export function clockTime(date) {
  return formatter({ hour: "2-digit", minute: "2-digit" }).format(new Date(date));
}

/** "12/03 à 14:05" (the offline banner, the outbox). */
export function shortDateTime(date) {
  return t("time.dayAt", { day: formatter({ day: "2-digit", month: "2-digit" }).format(new Date(date)), time: clockTime(date) });
}

/** "mardi 12 mars 2026 à 14:05" */
export function longDateTime(date) {
  const day = formatter({ weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(new Date(date));
  return t("time.dayAt", { day, time: clockTime(date) });
}

/** "à l'instant", "il y a 5 minutes", "hier"…, the date after a week. */
export function relativeTime(date, now = Date.now()) {
  const seconds = Math.round((new Date(date).getTime() - now) / 1000);
  const size = Math.abs(seconds);
  if (size < 45) return t("time.justNow");
  const words = new Intl.RelativeTimeFormat(getLang(), { numeric: "auto" });
  if (size < HOUR) return words.format(Math.round(seconds / MINUTE), "minute");
  if (size < DAY) return words.format(Math.round(seconds / HOUR), "hour");
  if (size < 7 * DAY) return words.format(Math.round(seconds / DAY), "day");
  return longDateTime(date);
}

/** A month as the API sends it ("2026-12", counted in Paris time) in words: "décembre 2026". */
export function monthInWords(month) {
  const match = /^(\d{4})-(\d{2})$/.exec(String(month));
  if (!match) return String(month);
  const middle = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 15));
  return formatter({ month: "long", year: "numeric", timeZone: "UTC" }).format(middle);
}

/** "2 décembre 2026" (a day in Paris time, e.g. when a mairie joined). */
export function dayInWords(date) {
  return formatter({ day: "numeric", month: "long", year: "numeric" }).format(new Date(date));
}
