// #/mairie/verification — « Tout va bien ? »: open a safety check for the commune or chosen
// communities, follow the answers live (ok / need help / not answered), call those who need
// help or have not answered, close it. Earlier checks are listed below.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, formAlert, handleSubmit, inputField, statusRegion, submitButton } from "../forms.js";
import { navigate } from "../router.js";
import { cachedBanner, drawWhenChanged, keepForm, refill } from "../ui.js";
import { when } from "../mairie.js";
import { areaPicker, areaText, channelBoxes, checkedValues, coalesce, communePath, confirmBox, staffHeading, staffScreen, watchCommune } from "../mairie-staff.js";

const CHECK_CHANNELS = ["push", "sms", "email"];
const DEFAULT_CHECK_CHANNELS = ["push", "sms"];
const COUNTS = ["help", "pending", "ok"];

function countFigures(counts) {
  return h(
    "dl",
    { class: "mairie-figures mairie-figures--check" },
    COUNTS.map((key) =>
      h("div", { class: ["mairie-figure", `mairie-figure--${key}`], "data-count": key }, h("dt", {}, t(`mairie.check.counts.${key}`)), h("dd", {}, h("span", { class: "mairie-figure-value" }, String(counts[key])))),
    ),
    h("div", { class: "mairie-figure", "data-count": "total" }, h("dt", {}, t("mairie.check.counts.total")), h("dd", {}, h("span", { class: "mairie-figure-value" }, String(counts.total)))),
  );
}

/** One person to call: name, where they live, their answer's note, and a tap-to-call number. */
function residentItem(person) {
  return h(
    "li",
    { class: "mairie-resident", "data-user-id": String(person.user_id) },
    h("p", { class: "mairie-resident-name" }, `${person.first_name} ${person.last_name}`),
    h("p", {}, [person.address, person.community_name].filter(Boolean).join(" — ")),
    person.note ? h("p", {}, t("mairie.check.note", { note: person.note })) : null,
    person.via ? h("p", { class: "alert-card-meta" }, t(`mairie.check.via.${person.via}`, { when: when(person.answered_at) })) : null,
    person.phone ? h("a", { href: `tel:${person.phone.replace(/\s+/g, "")}`, class: "button button--secondary mairie-call" }, t("mairie.check.call", { phone: person.phone })) : h("p", {}, t("mairie.check.noPhone")),
  );
}

function residentList(id, title, people, emptyText) {
  return h(
    "section",
    { class: "home-section", "aria-labelledby": id },
    h("h3", { id }, t(title, { count: people.length })),
    people.length ? h("ul", { class: "plain-list mairie-residents" }, people.map(residentItem)) : h("p", {}, emptyText),
  );
}

/** The form that opens a new check. */
function openForm(commune, onOpened) {
  const area = areaPicker(commune, { legend: t("mairie.check.area") });
  const alertRegion = formAlert();
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "check-open-title" },
    inputField({ name: "question", label: t("mairie.check.question"), hint: t("mairie.check.questionHint"), maxlength: "200", value: t("mairie.check.defaultQuestion"), autocomplete: "off" }),
    area.element,
    channelBoxes(CHECK_CHANNELS, DEFAULT_CHECK_CHANNELS, t("mairie.check.channels"), t("mairie.check.channelsHint")),
    alertRegion,
    submitButton(t("mairie.check.open"), "primary"),
  );
  handleSubmit(form, alertRegion, {
    validate: () => {
      const errors = {};
      if (!checkedValues(form, "channels").length) errors.channels_check = t("mairie.compose.noChannel");
      if (area.chosen() === null) errors.area_check = t("mairie.compose.noCommunity");
      return errors;
    },
    submit: async (values) => {
      const check = await api(communePath(commune.id, "/safety-checks"), {
        method: "POST",
        body: { question: values.question, community_ids: area.chosen() || [], channels: checkedValues(form, "channels") },
      });
      onOpened(check);
    },
  });
  return h("section", { class: "card", "aria-labelledby": "check-open-title" }, h("h2", { id: "check-open-title" }, t("mairie.check.openTitle")), h("p", {}, t("mairie.check.openIntro")), form);
}

function historyList(commune, checks, currentId) {
  const others = checks.filter((c) => c.id !== currentId);
  if (!others.length) return null;
  return h(
    "section",
    { class: "home-section", "aria-labelledby": "check-history-title" },
    h("h2", { id: "check-history-title" }, t("mairie.check.history")),
    h(
      "ul",
      { class: "plain-list" },
      others.map((c) =>
        h(
          "li",
          {},
          h("a", { href: `#/mairie/verification?id=${c.id}` }, `${c.question} — ${when(c.created_at)}`),
          " ",
          h("span", { class: "alert-card-meta" }, t(`mairie.check.status.${c.status}`), " · ", t("mairie.check.countsLine", c.counts)),
        ),
      ),
    ),
  );
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune }) => {
    const cached = cachedBanner(null);
    const message = statusRegion();
    const detailSlot = h("div", {});
    const openSlot = h("div", {});
    const historySlot = h("div", {});
    let current = null; // the check shown
    let figures = null;

    function showDetail(detail) {
      const check = detail.check;
      current = check;
      figures = h("div", { "aria-live": "polite", class: "mairie-live-counts" }, countFigures(check.counts));
      const confirm = confirmBox();
      const closeButton = h("button", { type: "button", class: "button button--danger-outline button--block" }, t("mairie.check.close"));
      closeButton.addEventListener("click", () =>
        confirm.ask([t("mairie.check.closeConfirm")], t("mairie.check.closeYes"), async (yes) => {
          yes.disabled = true;
          try {
            await api(communePath(commune.id, `/safety-checks/${check.id}/close`), { method: "POST" });
            announce(message, t("mairie.check.closed"), "success");
            load();
          } catch (err) {
            confirm.element.hidden = true;
            announce(message, errorMessage(err), "error");
          }
        }),
      );
      mount(
        detailSlot,
        h(
          "section",
          { class: ["card", "mairie-check", check.status === "open" && "mairie-check--open"], "data-check-id": String(check.id), "aria-labelledby": "check-title" },
          h("p", { class: "alert-card-kicker" }, t(`mairie.check.status.${check.status}`)),
          h("h2", { id: "check-title" }, check.question),
          h("p", { class: "alert-card-meta" }, t("mairie.check.openedAt", { when: when(check.created_at) }), " · ", areaText(commune, check)),
          check.closed_at ? h("p", { class: "alert-card-meta" }, t("mairie.check.closedAt", { when: when(check.closed_at) })) : null,
          figures,
          residentList("check-help-title", "mairie.check.needHelp", detail.need_help, t("mairie.check.noneNeedHelp")),
          residentList("check-pending-title", "mairie.check.notAnswered", detail.not_answered, t("mairie.check.allAnswered")),
          check.status === "open" ? [closeButton, confirm.element] : null,
        ),
      );
    }

    const drawDetail = drawWhenChanged(showDetail);
    async function loadDetail(checkId) {
      const { data } = await apiRead(communePath(commune.id, `/safety-checks/${checkId}`));
      drawDetail(data);
    }

    async function load() {
      try {
        const { data: checks, cachedAt } = await apiRead(communePath(commune.id, "/safety-checks"));
        cachedBanner(cachedAt, cached);
        const wanted = Number(query.id) || null;
        const chosen = checks.find((c) => c.id === wanted) || checks.find((c) => c.status === "open") || null;
        if (chosen) await loadDetail(chosen.id);
        else drawDetail.clear(detailSlot);
        // A new check is opened only when none is running (or from the history view).
        keepForm(openSlot, !(chosen && chosen.status === "open"), () => openForm(commune, (check) => navigate(`/mairie/verification?id=${check.id}`)));
        refill(historySlot, historyList(commune, checks, chosen && chosen.id) || "");
      } catch (err) {
        drawDetail.clear(detailSlot, h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
      }
    }

    const reloadDetail = coalesce(() => current && loadDetail(current.id).catch(() => undefined));
    const stopLive = watchCommune(commune.id, {
      onSection: (section, data) => {
        if (section !== "safety_checks") return;
        if (current && data.check_id === current.id) {
          if (data.counts && figures) figures.replaceChildren(countFigures(data.counts)); // at once, then the lists
          reloadDetail();
        }
      },
      refresh: () => load(),
    });
    mount(container, ...staffHeading(t("mairie.check.title"), commune), h("p", {}, t("mairie.check.intro")), cached, message, detailSlot, openSlot, historySlot);
    load();
    return () => {
      stopLive();
      reloadDetail.cancel();
    };
  });
}
