// #/mairie/organisation — the commune's neighbourhoods and who looks after them: create a
// neighbourhood, appoint a referent by name (the commune's verified members), and for admins a
// town hall agent by name (anyone). Numeric ids are never typed.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { inputField, selectField } from "../forms.js";
import { personFinder } from "../people-search.js";
import { communePath, forgetCommunes, savingForm, staffHeading, staffScreen } from "../mairie-staff.js";

function communitiesList(commune) {
  return commune.communities.length
    ? h("ul", { class: "plain-list mairie-communities" }, commune.communities.map((c) => h("li", { "data-community": String(c.id) }, c.name)))
    : h("p", {}, t("office.organisation.noCommunities"));
}

function createCommunity(commune, onCreated) {
  const number = (value) => Number(String(value).replace(",", "."));
  return savingForm(
    [
      inputField({ name: "name", label: t("office.organisation.name"), maxlength: "80", autocomplete: "off" }),
      inputField({ name: "center_lat", label: t("office.organisation.lat"), hint: t("office.organisation.coordsHint"), inputmode: "decimal", autocomplete: "off" }),
      inputField({ name: "center_lon", label: t("office.organisation.lon"), inputmode: "decimal", autocomplete: "off" }),
      inputField({ name: "radius_m", label: t("office.organisation.radius"), hint: t("office.organisation.radiusHint"), inputmode: "numeric", value: "500" }),
    ],
    t("office.organisation.create"),
    {
      save: async (values) => {
        const created = await api(communePath(commune.id, "/communities"), {
          method: "POST",
          body: { name: values.name.trim(), center_lat: number(values.center_lat), center_lon: number(values.center_lon), radius_m: Math.round(number(values.radius_m)) },
        });
        forgetCommunes(); // the other staff screens ask for the communes again
        onCreated(created);
        return t("office.organisation.created", { name: created.name });
      },
    },
  );
}

function referentFinder(commune) {
  const choice = selectField({ name: "community", label: t("office.organisation.referentCommunity"), options: commune.communities.map((c) => [String(c.id), c.name]), value: commune.communities.length ? String(commune.communities[0].id) : "" });
  const select = choice.querySelector("select");
  const chosen = () => commune.communities.find((c) => String(c.id) === select.value);
  // The buttons of the people found name the neighbourhood chosen now.
  select.addEventListener("change", () => {
    choice.parentElement.querySelectorAll(".person-hit button").forEach((button) => (button.textContent = t("office.organisation.appointReferent", { community: chosen().name })));
  });
  return [
    h("p", {}, t("office.organisation.referentIntro")),
    choice,
    personFinder({
      searchPath: (q) => `${communePath(commune.id, "/people")}?q=${encodeURIComponent(q)}`,
      pickLabel: () => t("office.organisation.appointReferent", { community: chosen().name }),
      pick: async (hit) => {
        const community = chosen();
        await api(`/communities/${community.id}/referents`, { method: "POST", body: { user_id: hit.user_id } });
        return t("office.organisation.referentDone", { name: hit.name, community: community.name });
      },
    }),
  ];
}

function staffFinder(commune) {
  return [
    h("p", {}, t("office.organisation.staffIntro", { commune: commune.name })),
    personFinder({
      searchPath: (q) => `/admin/people?q=${encodeURIComponent(q)}`,
      pickLabel: () => t("office.organisation.appointStaff"),
      pick: async (hit) => {
        await api(communePath(commune.id, "/staff"), { method: "POST", body: { user_id: hit.user_id } });
        return t("office.organisation.staffDone", { name: hit.name });
      },
    }),
  ];
}

function section(id, title, ...content) {
  return h("section", { class: "home-section", "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

export function render(container, { query, title }) {
  return staffScreen(container, { title: t(title), query }, ({ commune, me }) => {
    const communities = section("org-communities", t("office.organisation.communitiesTitle"), communitiesList(commune));
    const referents = h("div", {});
    const drawReferents = () => referents.replaceChildren(commune.communities.length ? section("org-referent", t("office.organisation.referentTitle"), ...referentFinder(commune)) : "");
    const created = (community) => {
      commune.communities = [...commune.communities, { id: community.id, name: community.name }];
      communities.replaceChildren(communities.firstChild, communitiesList(commune));
      drawReferents();
    };
    drawReferents();
    mount(
      container,
      ...staffHeading(t("office.organisation.title"), commune),
      h("p", {}, t("office.organisation.intro")),
      communities,
      referents,
      section("org-create", t("office.organisation.createTitle"), createCommunity(commune, created)),
      me.is_admin ? section("org-staff", t("office.organisation.staffTitle"), ...staffFinder(commune)) : null,
    );
    return undefined;
  });
}
