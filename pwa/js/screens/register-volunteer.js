// #/registre/benevole — a volunteer's people to call: only those the mairie assigned them, only
// while an episode is open; a tap to call, then the result noted (the staff's board shows it).
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { announce, statusRegion } from "../forms.js";
import { when } from "../mairie.js";

function personCard(person, reload) {
  const status = statusRegion();
  const record = (result) => async () => {
    try {
      await api(`/register/checks/${person.check_id}/call`, { method: "POST", body: { result } });
      // The list is drawn again with the result: the confirmation goes into the new card (said in
      // this one, it was wiped by the redraw, sometimes before anyone could read it).
      await reload({ entryId: person.entry_id, text: t("register.volunteer.recorded") });
    } catch (err) {
      announce(status, errorMessage(err));
    }
  };
  return h(
    "li",
    { class: "card register-person", "data-entry-id": String(person.entry_id) },
    h("h2", {}, `${person.first_name} ${person.last_name}`),
    person.state ? h("p", { class: "alert-card-kicker" }, t(`mairie.episodes.state.${person.state}`)) : null,
    h("p", {}, person.address),
    person.health_notes ? h("p", {}, person.health_notes) : null,
    person.contacts.length ? h("p", {}, t("mairie.register.contacts", { names: person.contacts.map((c) => `${c.name} (${c.phone})`).join(", ") })) : null,
    person.called_at ? h("p", { class: "alert-card-meta" }, when(person.called_at)) : null,
    person.phone ? h("a", { href: `tel:${person.phone}`, class: "button button--secondary button--block" }, t("register.volunteer.call", { phone: person.phone })) : null,
    person.check_id
      ? h(
          "div",
          { role: "group", "aria-label": t("register.volunteer.record") },
          h("p", {}, t("register.volunteer.record")),
          ["ok", "help", "unreachable"].map((r) => h("button", { type: "button", class: "button button--small button--secondary", onclick: record(r) }, t(`register.volunteer.result.${r}`))),
        )
      : null,
    status,
  );
}

export function render(container, { title }) {
  const body = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  // `notice`: a confirmation to say in one person's card once the list is drawn again ({ entryId, text }).
  async function load(notice) {
    try {
      const { data } = await apiRead("/register/volunteer");
      if (!data.episode) body.replaceChildren(h("p", { class: "banner banner--info" }, t("register.volunteer.none")));
      else if (!data.people.length) body.replaceChildren(h("p", { class: "banner banner--info" }, t("register.volunteer.empty")));
      else body.replaceChildren(h("p", { class: "alert-card-kicker" }, data.episode.title), h("ul", { class: "plain-list" }, data.people.map((p) => personCard(p, load))));
      const region = notice && body.querySelector(`[data-entry-id="${notice.entryId}"] .form-status`);
      if (region) announce(region, notice.text, "success");
    } catch (err) {
      body.replaceChildren(h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err)));
    }
  }
  mount(container, h("h1", {}, t(title)), h("p", { class: "lead" }, t("register.volunteer.intro")), body);
  load();
}
