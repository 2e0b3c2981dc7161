// #/mairie/episodes — canicule, grand froid, inondation: open an episode for the commune (or some
// communities) with its dates, hour and no-answer delay; the day's board, live: who answered
// (how, when), who needs help, who has not answered (their relatives were told), who called them
// and when; an agent notes their own calls; close the episode. Earlier episodes below.
import { h, mount } from "../dom.js";
import { drawWhenChanged, keepForm, refill } from "../ui.js";
import { getLang, t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, formAlert, handleSubmit, inputField, selectField, statusRegion, submitButton } from "../forms.js";
import { navigate } from "../router.js";
import { watchLive } from "../live.js";
import { when } from "../mairie.js";
import { clockTime } from "../time.js";
import { foreignNumber } from "../register.js";
import { coalesce, communePath, confirmBox, staffHeading, staffScreen } from "../mairie-staff.js";

const KINDS = ["canicule", "grand_froid", "inondation", "autre"];
const COUNTS = ["help", "no_answer", "waiting", "ok", "total"];

function figures(counts) {
  return h(
    "dl",
    { class: "mairie-figures mairie-figures--check" },
    COUNTS.map((key) => h("div", { class: ["mairie-figure", `mairie-figure--${key}`], "data-count": key }, h("dt", {}, t(`mairie.episodes.counts.${key}`)), h("dd", {}, h("span", { class: "mairie-figure-value" }, String(counts[key] ?? 0))))),
  );
}

/** "2026-12-04" (a Paris day from the API) in words: "vendredi 4 décembre 2026". */
function dayInWords(iso) {
  const [y, m, d] = String(iso).split("-").map(Number);
  if (!d) return String(iso);
  return new Intl.DateTimeFormat(getLang(), { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d, 12)));
}

function localDay(offset = 0) {
  const d = new Date(Date.now() + offset * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function openForm(commune, onOpened) {
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "episode-open-title" },
    selectField({ name: "kind", label: t("mairie.episodes.kind"), options: KINDS.map((k) => [k, t(`mairie.episodes.kinds.${k}`)]), value: "canicule" }),
    inputField({ name: "starts_on", label: t("mairie.episodes.startsOn"), type: "date", value: localDay() }),
    inputField({ name: "ends_on", label: t("mairie.episodes.endsOn"), type: "date", value: localDay(3) }),
    inputField({ name: "check_time", label: t("mairie.episodes.checkTime"), type: "time", value: "10:00" }),
    inputField({ name: "no_answer_minutes", label: t("mairie.episodes.delay"), type: "number", min: "10", max: "720", value: "120", inputmode: "numeric" }),
    inputField({ name: "callback_phone", label: t("mairie.episodes.callbackPhone"), type: "tel", required: false, maxlength: "20", autocomplete: "tel" }),
    alertRegion,
    submitButton(t("mairie.episodes.open")),
  );
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      const episode = await api(communePath(commune.id, "/episodes"), {
        method: "POST",
        body: { kind: values.kind, starts_on: values.starts_on, ends_on: values.ends_on, check_time: values.check_time, no_answer_minutes: Number(values.no_answer_minutes), callback_phone: values.callback_phone || "" },
      });
      onOpened(episode);
    },
  });
  return h("section", { class: "card", "aria-labelledby": "episode-open-title" }, h("h2", { id: "episode-open-title" }, t("mairie.episodes.openTitle")), form);
}

/** "14 h 32" in French, "14:32" otherwise (Paris time). */
function hourOf(iso) {
  const time = clockTime(iso);
  return getLang() === "fr" ? time.replace(":", " h ") : time;
}

/** A contact's SMS on its way: queued, being sent, or not yet written by the fan-out. */
function textPending(row, c) {
  return !c.has_account && c.mobile && (c.sms === "queued" || c.sms === "sending" || (c.sms === "" && row.state === "no_answer"));
}

/** What became of each named contact: texted (when, or why not), a landline or a foreign number to call, a member alerted in Vigie. */
function contactLines(row) {
  if (!row.escalated_at) return null; // nobody is told before the delay runs out
  const lines = [];
  for (const c of row.contacts || []) {
    const values = { name: c.name, phone: c.phone, reason: c.sms_reason, time: c.sms_at ? hourOf(c.sms_at) : "" };
    let key = null;
    if (c.has_account) key = "member";
    else if (!c.mobile) key = foreignNumber(c.phone) ? "foreign" : "landline";
    else if (c.sms === "sent") key = "sent";
    else if (textPending(row, c)) key = "pending";
    else if (c.sms === "failed" || c.sms === "skipped") key = c.sms;
    if (key) lines.push(h("li", { class: `register-contact register-contact--${key}` }, t(`mairie.episodes.contact.${key}`, values)));
  }
  return lines.length ? h("ul", { class: "register-contacts" }, lines) : null;
}

function boardRow(row, episode, onCall) {
  const lines = [];
  if (row.answered_at) lines.push(t("mairie.episodes.answered", { via: t(`mairie.episodes.via.${row.answered_via}`), when: when(row.answered_at) }));
  if (row.called_at) lines.push(t("mairie.episodes.calledBy", { name: row.called_by, when: when(row.called_at) }));
  return h(
    "li",
    { class: ["mairie-resident", `register-row--${row.state}`], "data-check-id": String(row.check_id), "data-state": row.state },
    h("p", { class: "mairie-resident-name" }, `${row.first_name} ${row.last_name}`),
    h("p", { class: "alert-card-kicker register-state" }, t(`mairie.episodes.state.${row.state}`)),
    h("p", {}, [row.address, row.community_name].filter(Boolean).join(" — ")),
    lines.map((line) => h("p", { class: "alert-card-meta" }, line)),
    row.call_note ? h("p", {}, row.call_note) : null,
    row.volunteers.length ? h("p", {}, t("mairie.register.volunteers", { names: row.volunteers.join(", ") })) : null,
    contactLines(row),
    row.phone ? h("a", { href: `tel:${row.phone}`, class: "button button--secondary mairie-call" }, t("register.volunteer.call", { phone: row.phone })) : null,
    episode.status === "open"
      ? h(
          "div",
          { role: "group", "aria-label": `${t("mairie.episodes.record")} — ${row.first_name} ${row.last_name}` },
          ["ok", "help", "unreachable"].map((r) => h("button", { type: "button", class: "button button--small button--secondary", onclick: () => onCall(row, r) }, t(`register.volunteer.result.${r}`))),
        )
      : null,
  );
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    const message = statusRegion();
    const boardSlot = h("div", {});
    const openSlot = h("div", {});
    const historySlot = h("div", {});
    let current = null;
    let figuresSlot = null;

    async function record(row, result) {
      try {
        await api(`/register/checks/${row.check_id}/call`, { method: "POST", body: { result } });
        announce(message, t("register.volunteer.recorded"), "success");
        loadBoard(current.id);
      } catch (err) {
        announce(message, errorMessage(err));
      }
    }

    function showBoard(board) {
      const episode = board.episode;
      current = episode;
      figuresSlot = h("div", { "aria-live": "polite", class: "mairie-live-counts" }, figures(episode.counts));
      const confirm = confirmBox();
      const closeButton = h("button", { type: "button", class: "button button--danger-outline button--block" }, t("mairie.episodes.close"));
      closeButton.addEventListener("click", () =>
        confirm.ask([t("mairie.episodes.intro")], t("mairie.episodes.close"), async (yes) => {
          yes.disabled = true;
          try {
            await api(communePath(commune.id, `/episodes/${episode.id}/close`), { method: "POST" });
            announce(message, t("mairie.episodes.closed"), "success");
            load();
          } catch (err) {
            confirm.element.hidden = true;
            announce(message, errorMessage(err));
          }
        }),
      );
      mount(
        boardSlot,
        h(
          "section",
          { class: "card mairie-check", "data-episode-id": String(episode.id), "aria-labelledby": "episode-title" },
          h("p", { class: "alert-card-kicker" }, t(`mairie.episodes.status.${episode.status}`)),
          h("h2", { id: "episode-title" }, `${episode.title} — ${dayInWords(episode.starts_on)} → ${dayInWords(episode.ends_on)}`),
          figuresSlot,
          h("h3", {}, board.day ? t("mairie.episodes.boardTitle", { day: dayInWords(board.day) }) : t("mairie.episodes.noDay", { time: episode.check_time })),
          h("ul", { class: "plain-list mairie-residents register-board" }, board.rows.map((row) => boardRow(row, episode, record))),
          episode.status === "open" ? [closeButton, confirm.element] : null,
        ),
      );
    }

    let pendingTimer = null;
    const drawBoard = drawWhenChanged(showBoard);
    async function loadBoard(id) {
      const { data } = await apiRead(communePath(commune.id, `/episodes/${id}/board`));
      drawBoard(data);
      // Contacts' SMS being sent: their outcome comes from the workers, not as a live event — look again shortly.
      clearTimeout(pendingTimer);
      const pending = data.rows.some((r) => r.escalated_at && (r.contacts || []).some((c) => textPending(r, c)));
      if (pending && data.episode.status === "open") pendingTimer = setTimeout(() => reloadBoard(), 3000);
    }

    async function load() {
      try {
        const { data: episodes } = await apiRead(communePath(commune.id, "/episodes"));
        const wanted = Number(query.id) || null;
        const chosen = episodes.find((e) => e.id === wanted) || episodes.find((e) => e.status === "open") || null;
        if (chosen) await loadBoard(chosen.id);
        else drawBoard.clear(boardSlot);
        keepForm(openSlot, !(chosen && chosen.status === "open"), () => openForm(commune, (e) => navigate(`/mairie/episodes?id=${e.id}`)));
        const others = episodes.filter((e) => !chosen || e.id !== chosen.id);
        refill(
          historySlot,
          others.length
            ? h(
                "section",
                { class: "home-section", "aria-labelledby": "episode-history-title" },
                h("h2", { id: "episode-history-title" }, t("mairie.episodes.history")),
                h("ul", { class: "plain-list" }, others.map((e) => h("li", {}, h("a", { href: `#/mairie/episodes?id=${e.id}` }, `${e.title} — ${dayInWords(e.starts_on)} → ${dayInWords(e.ends_on)}`), " · ", t(`mairie.episodes.status.${e.status}`)))),
              )
            : "",
        );
      } catch (err) {
        drawBoard.clear(boardSlot, h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
      }
    }

    const reloadBoard = coalesce(() => current && loadBoard(current.id).catch(() => undefined));
    const stopLive = watchLive({
      types: ["register.board"],
      onEvent: (_type, data) => {
        if (data.commune_id !== commune.id || !current || data.episode_id !== current.id) return;
        if (data.counts && figuresSlot) figuresSlot.replaceChildren(figures(data.counts)); // at once, then the rows
        reloadBoard();
      },
      refresh: () => load(),
    });
    mount(container, ...staffHeading(t("mairie.episodes.title"), commune), h("p", {}, t("mairie.episodes.intro")), message, boardSlot, openSlot, historySlot);
    load();
    return () => {
      stopLive();
      reloadBoard.cancel();
      clearTimeout(pendingTimer);
    };
  });
}
