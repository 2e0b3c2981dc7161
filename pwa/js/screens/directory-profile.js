// #/profil — my card in the directory: photo, a few words, what I can help with, interests,
// another way to reach me, and who may see each contact field (explained in plain words).
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { announce, checkboxField, choiceGroup, formAlert, handleSubmit, inputField, statusRegion, submitButton, textareaField } from "../forms.js";
import { card } from "../ui.js";
import { avatar, confirmButton, facts, memberOrNotice } from "../community.js";

const VISIBILITIES = ["community", "referents", "nobody"];
// [ProfileIn field, what it shows]: the order of the questions.
const VISIBILITY_FIELDS = [
  ["phone_visibility", "phone"],
  ["email_visibility", "email"],
  ["address_visibility", "address"],
  ["other_contact_visibility", "other"],
];

/** "a, b ,c" → ["a", "b", "c"] */
function splitList(text) {
  return String(text || "").split(",").map((part) => part.trim()).filter(Boolean);
}

/** Check the radio of `value` in a choiceGroup (and its hidden value). */
function preset(group, value) {
  const radio = group.querySelector(`input[type=radio][value="${CSS.escape(value)}"]`);
  if (!radio) return;
  radio.checked = true;
  group.querySelector("input[type=hidden]").value = value;
}

function photoSection(profile, onChange) {
  const status = statusRegion();
  const input = h("input", { type: "file", id: "profile-photo", class: "input input--file", accept: "image/jpeg,image/png,image/webp" });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    input.disabled = true;
    announce(status, t("profile.photoSending"), "info");
    try {
      onChange(await api("/directory/me/photo", { method: "PUT", body: file }), t("profile.photoSaved"));
    } catch (err) {
      announce(status, errorMessage(err), "error");
      input.disabled = false;
    }
  });
  const remove = profile.photo_url
    ? confirmButton({
        label: t("profile.photoRemove"),
        question: t("profile.photoRemoveQuestion"),
        yes: t("profile.photoRemoveYes"),
        action: async () => {
          await api("/directory/me/photo", { method: "DELETE" });
          onChange({ ...profile, photo_url: null }, t("profile.photoRemoved"));
        },
        onError: (err) => announce(status, errorMessage(err), "error"),
      })
    : null;
  return card(
    t("profile.photoTitle"),
    h("div", { class: "member-head" }, avatar(profile.photo_url, `${profile.first_name} ${profile.last_name}`, "large"), h("p", {}, t(profile.photo_url ? "profile.photoHas" : "profile.photoNone"))),
    h("label", { for: "profile-photo", class: "field-label" }, t(profile.photo_url ? "profile.photoChange" : "profile.photoChoose")),
    h("p", { class: "field-hint" }, t("profile.photoHint")),
    input,
    status,
    remove,
  );
}

function visibilityGroup(field, what, profile, community) {
  const shown = { phone: profile.phone, email: profile.email, address: profile.address, other: profile.other_contact || t("profile.otherEmpty") }[what];
  const group = choiceGroup({
    name: field,
    legend: t(`profile.who.${what}`),
    hint: shown,
    choices: VISIBILITIES.map((value) => ({ value, label: t(`profile.visibility.${value}`), detail: t(`profile.visibilityDetail.${value}`, { community }) })),
  });
  preset(group, profile[field]);
  return group;
}

function profileForm(profile, skills, community, onSaved) {
  const alertRegion = formAlert();
  const mySkills = new Set(profile.skills.map((s) => s.code));
  const form = h(
    "form",
    { class: "form" },
    h(
      "fieldset",
      { class: "form-section" },
      h("legend", {}, t("profile.aboutTitle")),
      textareaField({ name: "bio", label: t("profile.bio"), hint: t("profile.bioHint"), required: false, maxlength: "300", rows: 3, value: profile.bio }),
      inputField({ name: "interests", label: t("profile.interests"), hint: t("profile.interestsHint"), required: false, autocomplete: "off", value: profile.interests.join(", ") }),
    ),
    h(
      "fieldset",
      { class: "form-section" },
      h("legend", {}, t("profile.helpTitle")),
      h("p", { class: "field-hint" }, t("profile.helpHint")),
      h("div", { class: "choices" }, skills.map((skill) => checkboxField({ name: `skill:${skill.code}`, label: skill.label, checked: mySkills.has(skill.code) }))),
      inputField({ name: "skills_other", label: t("profile.skillsOther"), hint: t("profile.skillsOtherHint"), required: false, autocomplete: "off", value: profile.skills_other.join(", ") }),
      inputField({ name: "help_note", label: t("profile.helpNote"), hint: t("profile.helpNoteHint"), required: false, maxlength: "200", autocomplete: "off", value: profile.help_note }),
    ),
    h(
      "fieldset",
      { class: "form-section" },
      h("legend", {}, t("profile.contactTitle")),
      h("p", {}, t("profile.contactIntro")),
      inputField({ name: "other_contact", label: t("profile.otherContact"), hint: t("profile.otherContactHint"), required: false, maxlength: "200", autocomplete: "off", value: profile.other_contact }),
      VISIBILITY_FIELDS.map(([field, what]) => visibilityGroup(field, what, profile, community)),
    ),
    alertRegion,
    submitButton(t("profile.save")),
  );
  handleSubmit(form, alertRegion, {
    submit: async (values) => {
      const body = {
        bio: values.bio || "",
        interests: splitList(values.interests),
        skills: skills.filter((skill) => values[`skill:${skill.code}`]).map((skill) => skill.code),
        skills_other: splitList(values.skills_other),
        help_note: values.help_note || "",
        other_contact: values.other_contact || "",
      };
      VISIBILITY_FIELDS.forEach(([field]) => (body[field] = values[field]));
      onSaved(await api("/directory/me", { method: "PATCH", body }), t("profile.saved"));
    },
  });
  return form;
}

export function render(container) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("profile.title"));
  if (!membership) return;
  const content = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  let skills = [];

  function show(profile, done = "") {
    const banner = done ? h("p", { class: "banner banner--success", role: "status" }, done) : null;
    mount(
      content,
      h("h1", {}, t("profile.title")),
      h("p", { class: "lead" }, t("profile.intro", { community: membership.community_name })),
      banner,
      h("a", { href: `#/annuaire/${profile.user_id}`, class: "button button--secondary button--block" }, t("profile.seeCard")),
      photoSection(profile, show),
      card(
        t("profile.accountTitle"),
        h("p", {}, t("profile.accountText")),
        facts([
          [t("profile.name"), `${profile.first_name} ${profile.last_name}`],
          [t("directory.street"), profile.street],
          [t("directory.address"), profile.address],
          [t("directory.phone"), profile.phone],
          [t("directory.email"), profile.email],
        ]),
      ),
      profileForm(profile, skills, membership.community_name, show),
    );
    if (banner) banner.scrollIntoView({ block: "nearest" });
  }

  container.append(content);
  Promise.all([apiRead("/directory/me"), apiRead("/directory/skills")])
    .then(([profile, skillList]) => {
      skills = skillList.data;
      show(profile.data);
    })
    .catch((err) => mount(content, h("h1", {}, t("profile.title")), h("p", { class: "banner banner--error", role: "alert" }, errorMessage(err))));
}
