// #/veille/<id> — one check-in (the address of the notifications): where it stands, what the
// person, a watcher or a referent can do, the watchers, the settings and the history.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "../forms.js";
import { cachedBanner, card, notice } from "../ui.js";
import { longDateTime } from "../time.js";
import { buttonWithReason, confirmButton, eventDateTime, facts, isoDay, longDate, memberPicker } from "../community.js";
import { checkInButton, checkinPath, confirmationCard, rhythm, roundText, watcherActions, watcherList } from "./checkins.js";
import { rhythmBody, rhythmFields } from "./checkins-new.js";
import { canLink, linkFromCheckin } from "./checkins-link.js";

const HISTORY_PAGE = 20;

function checkinFacts(checkin) {
  const p = checkin.person;
  const consent = checkin.consent;
  const rows = [
    [t("checkinsDetail.rhythm"), rhythm(checkin)],
    [t("checkinsDetail.grace"), t("checkinsDetail.graceText", { count: checkin.grace_minutes })],
    checkin.next_due_at ? [t("checkinsDetail.nextDue"), eventDateTime(checkin.next_due_at)] : null,
    p.address ? [t("checkinsDetail.address"), p.address] : null,
    p.phone ? [t("checkinsDetail.phone"), h("a", { href: `tel:${p.phone}` }, p.phone)] : null,
    checkin.note ? [t("checkinsDetail.note"), h("span", { class: "post-body" }, checkin.note)] : null,
    [t("checkinsDetail.since"), longDate(checkin.starts_on)],
    consent && consent.method !== "app"
      ? [t("checkinsDetail.consent"), t("checkinsDetail.consentText", { method: t(`checkins.consent.${consent.method}`), by: consent.given_by, date: longDate(consent.given_at), recorder: consent.recorded_by.name })]
      : null,
    consent && consent.method !== "app" && checkin.confirmation
      ? [t("checkinsDetail.confirmation"), checkin.confirmation.state === "confirmed" && checkin.confirmation.at
          ? t(`checkinsDetail.confirmationText.${checkin.confirmation.via === "sms" ? "sms" : "app"}`, { date: longDate(checkin.confirmation.at) })
          : t(`checkinsDetail.confirmationState.${checkin.confirmation.state}`)]
      : null,
    checkin.stopped_at ? [t("checkinsDetail.stopped"), [longDateTime(checkin.stopped_at), checkin.stop_reason ? ` — ${checkin.stop_reason}` : ""]] : null,
  ];
  return facts(rows);
}

function historyItem(event) {
  return h(
    "li",
    { class: "history-item" },
    h("p", {}, h("strong", {}, event.label), event.actor ? ` — ${event.actor.name}` : "", event.subject && (!event.actor || event.subject.id !== event.actor.id) ? ` (${event.subject.name})` : ""),
    event.note ? h("p", { class: "quote" }, event.note) : null,
    event.alert_id ? h("p", {}, h("a", { href: `#/alertes/${event.alert_id}` }, t("checkinsLink.seeAlert"))) : null,
    h("p", { class: "field-hint" }, longDateTime(event.created_at), event.source === "sms" ? ` · ${t("checkinsDetail.bySms")}` : ""),
  );
}

/** The newest events first, "Voir plus" for older ones. */
function historySection(checkinId) {
  const list = h("ul", { class: "plain-list history-list" });
  const more = h("button", { type: "button", class: "button button--secondary button--block", hidden: true }, t("checkinsDetail.moreHistory"));
  let before = null;
  async function load() {
    more.disabled = true;
    try {
      const { data } = await apiRead(`${checkinPath(checkinId)}/history?limit=${HISTORY_PAGE}${before ? `&before=${before}` : ""}`);
      list.append(...data.items.map(historyItem));
      before = data.next_before;
      more.hidden = !before;
    } catch (err) {
      list.append(h("li", { class: "banner banner--error" }, errorMessage(err)));
    }
    more.disabled = false;
  }
  more.addEventListener("click", load);
  load();
  return card(t("checkinsDetail.historyTitle"), list, more);
}

export function render(container, { params, query }) {
  const me = getMe();
  const checkinId = Number(params.id);
  const cached = cachedBanner(null);
  const status = statusRegion();
  const content = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  let created = Boolean(query.creee);
  let done = "";

  async function perform(call, message) {
    try {
      await call();
      announce(status, "");
      done = message;
    } catch (err) {
      announce(status, errorMessage(err), "error");
    }
    await load();
  }

  /** The person and referents: change the rhythm, pause or resume, stop. */
  function settings(checkin) {
    const alertRegion = formAlert();
    const form = h("form", { class: "form" }, rhythmFields(checkin), alertRegion, submitButton(t("checkinsDetail.save"), "secondary"));
    handleSubmit(form, alertRegion, {
      submit: async (values) => {
        await api(checkinPath(checkin.id), { method: "PATCH", body: rhythmBody(values) });
        done = t("checkinsDetail.saved");
        await load();
      },
    });
    const pauseRegion = formAlert();
    const pause = h(
      "form",
      { class: "form" },
      inputField({ name: "paused_until", label: t("checkinsDetail.pauseUntil"), hint: t("checkinsDetail.pauseHint"), type: "date", min: isoDay(), max: isoDay(365) }),
      pauseRegion,
      submitButton(t("checkinsDetail.pause"), "secondary"),
    );
    handleSubmit(pause, pauseRegion, {
      submit: async ({ paused_until }) => {
        await api(checkinPath(checkin.id), { method: "PATCH", body: { paused_until } });
        done = t("checkinsDetail.paused", { date: longDate(paused_until) });
        await load();
      },
    });
    const resume = h("button", { type: "button", class: "button button--primary button--block", onclick: () => perform(() => api(checkinPath(checkin.id), { method: "PATCH", body: { paused_until: null } }), t("checkinsDetail.resumed")) }, t("checkinsDetail.resume"));
    return [
      card(t("checkinsDetail.settingsTitle"), form),
      card(t("checkinsDetail.pauseTitle"), checkin.paused_until ? [h("p", {}, t("checkins.state.paused", { date: longDate(checkin.paused_until) })), resume] : pause),
      card(
        t("checkinsDetail.stopTitle"),
        h("p", {}, t("checkinsDetail.stopText")),
        buttonWithReason({
          label: t("checkinsDetail.stop"),
          variant: "danger-outline",
          form: {
            label: t("checkinsDetail.stopReason"),
            minLength: 0,
            required: false,
            submitLabel: t("checkinsDetail.stopSend"),
            onSubmit: async (reason) => {
              await api(`${checkinPath(checkin.id)}/stop`, { method: "POST", body: { reason: reason || "" } });
              done = t("checkinsDetail.stoppedDone");
              await load();
            },
          },
        }),
      ),
    ];
  }

  /** Watchers: the list, removing one, inviting another (person and referents). */
  function watchersSection(checkin, manage) {
    const fail = (err) => announce(status, errorMessage(err), "error");
    let invite = null;
    if (manage) {
      const picker = memberPicker({
        communityId: checkin.community_id,
        name: "user_id",
        legend: t("checkinsDetail.inviteWho"),
        hint: t("checkinsDetail.inviteHint"),
        single: true,
        exclude: [checkin.person.id, ...checkin.watchers.filter((w) => w.status !== "declined").map((w) => w.user_id)],
      });
      const alertRegion = formAlert();
      invite = h("form", { class: "form" }, picker.element, alertRegion, submitButton(t("checkinsDetail.invite"), "secondary"));
      handleSubmit(invite, alertRegion, {
        submit: async ({ user_id }) => {
          await api(`${checkinPath(checkin.id)}/watchers`, { method: "POST", body: { user_id: Number(user_id) } });
          done = t("checkinsDetail.invited");
          await load();
        },
      });
    }
    const removals = manage
      ? checkin.watchers.filter((w) => w.status !== "declined").map((w) =>
          confirmButton({
            label: t("checkinsDetail.removeWatcher", { name: w.name }),
            question: t("checkinsDetail.removeWatcherQuestion", { name: w.name }),
            yes: t("checkinsDetail.removeWatcherYes"),
            action: () => perform(() => api(`${checkinPath(checkin.id)}/watchers/${w.user_id}`, { method: "DELETE" }), t("checkinsDetail.watcherRemoved", { name: w.name })),
            onError: fail,
          }),
        )
      : null;
    const leave = checkin.my_role === "watcher"
      ? confirmButton({
          label: t("checkinsDetail.stopWatching"),
          question: t("checkinsDetail.stopWatchingQuestion", { name: checkin.person.name }),
          yes: t("checkinsDetail.stopWatchingYes"),
          action: async () => {
            await api(`${checkinPath(checkin.id)}/watchers/${me.id}`, { method: "DELETE" });
            navigate("/veille");
          },
          onError: fail,
        })
      : null;
    return card(t("checkins.watchersTitle"), watcherList(checkin), removals, leave, invite);
  }

  function show(checkin, offline) {
    const isPerson = checkin.my_role === "person";
    const manage = !offline && checkin.status !== "stopped" && (isPerson || checkin.my_role === "referent");
    const message = created
      ? t(checkin.status === "waiting_person" ? "checkinsDetail.createdFor" : "checkinsDetail.created", { name: checkin.person.name })
      : done;
    done = "";
    created = false;
    mount(
      content,
      h("h1", {}, isPerson ? t("checkins.mineTitle") : t("checkinsDetail.title", { name: checkin.person.name })),
      message ? h("p", { class: "banner banner--success", role: "status" }, message) : null,
      h("p", { class: "lead checkin-state" }, roundText(checkin, isPerson)),
      status,
      !offline && isPerson && checkin.status === "active" ? checkInButton(checkin, perform) : null,
      !offline && isPerson && checkin.status === "waiting_person" ? confirmationCard(checkin, perform) : null,
      !offline && !isPerson ? watcherActions(checkin, me, perform) : null,
      checkinFacts(checkin),
      watchersSection(checkin, manage),
      manage ? settings(checkin) : null,
      !offline && canLink(checkin)
        ? linkFromCheckin(checkin, (message) => {
            done = message;
            load();
          })
        : null,
      offline ? null : historySection(checkin.id),
      h("a", { href: "#/veille", class: "button button--secondary button--block" }, t("checkinsDetail.back")),
    );
  }

  async function load() {
    try {
      const { data, cachedAt } = await apiRead(checkinPath(checkinId));
      cachedBanner(cachedAt, cached);
      show(data, Boolean(cachedAt));
    } catch (err) {
      mount(content, ...notice({ title: t("checkins.title"), text: errorMessage(err), kind: "error", href: "#/veille", link: t("checkinsDetail.back"), variant: "secondary" }));
    }
  }

  container.append(cached, content);
  load();
}
