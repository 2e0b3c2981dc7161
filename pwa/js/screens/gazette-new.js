// #/gazette/nouveau — write in the Gazette: the kind first, then its own fields (price or free
// and expiry for an annonce; date and place for an event; from, to, when, seats for a carpool),
// up to 4 photos previewed on the device, then sent as multipart once the post exists.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api, errorMessage } from "../api.js";
import { checkboxField, choiceGroup, formAlert, handleSubmit, inputField, textareaField } from "../forms.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { MEMBER_KINDS, isoDay, localDateTime, memberOrNotice } from "../community.js";

const MAX_PHOTOS = 4;
const MAX_BYTES = 5 * 1024 * 1024;
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

/** The fields of one kind, in a fieldset that is shown (and enabled) only for that kind. */
function kindFields(kind, ...fields) {
  return h("fieldset", { class: "form-section", "data-kind": kind, hidden: true }, h("legend", {}, t(`gazetteNew.section.${kind}`)), ...fields);
}

/** Show the chosen kind's fields; the others are disabled and not required: neither checked nor sent. */
function showKind(form, kind) {
  form.querySelectorAll("fieldset[data-kind]").forEach((section) => {
    const active = section.dataset.kind === kind;
    section.hidden = !active;
    section.querySelectorAll("input, textarea, select").forEach((control) => {
      if (!("needed" in control.dataset)) control.dataset.needed = String(control.required);
      control.disabled = !active;
      control.required = active && control.dataset.needed === "true";
    });
  });
}

/** Up to 4 photos: checked here (type, size) and previewed with object URLs, freed afterwards. */
function photoPicker() {
  const files = [];
  const urls = new Map();
  const status = h("p", { class: "field-error", role: "alert", hidden: true });
  const previews = h("ul", { class: "photo-previews" });
  const input = h("input", { type: "file", id: "gazette-photos", class: "input input--file", accept: PHOTO_TYPES.join(","), multiple: true });

  function draw() {
    previews.replaceChildren(
      ...files.map((file, index) =>
        h(
          "li",
          { class: "photo-preview" },
          h("img", { src: urls.get(file), alt: t("gazetteNew.photoAlt", { n: index + 1, name: file.name }) }),
          h("button", { type: "button", class: "button button--small button--danger-outline", onclick: () => removeFile(file) }, t("gazetteNew.photoRemove", { n: index + 1 })),
        ),
      ),
    );
    input.disabled = files.length >= MAX_PHOTOS;
  }

  function removeFile(file) {
    URL.revokeObjectURL(urls.get(file));
    urls.delete(file);
    files.splice(files.indexOf(file), 1);
    draw();
    input.focus();
  }

  input.addEventListener("change", () => {
    const problems = [];
    for (const file of input.files) {
      if (files.length >= MAX_PHOTOS) problems.push(t("gazetteNew.photoTooMany", { count: MAX_PHOTOS }));
      else if (!PHOTO_TYPES.includes(file.type)) problems.push(t("gazetteNew.photoType", { name: file.name }));
      else if (file.size > MAX_BYTES) problems.push(t("gazetteNew.photoSize", { name: file.name }));
      else {
        files.push(file);
        urls.set(file, URL.createObjectURL(file));
      }
    }
    input.value = "";
    status.textContent = [...new Set(problems)].join(" ");
    status.hidden = problems.length === 0;
    draw();
  });

  const element = h(
    "div",
    { class: "field" },
    h("label", { for: "gazette-photos", class: "field-label" }, t("gazetteNew.photosLabel")),
    h("p", { class: "field-hint" }, t("gazetteNew.photosHint", { count: MAX_PHOTOS })),
    status,
    input,
    previews,
  );
  return {
    element,
    files,
    release: () => urls.forEach((url) => URL.revokeObjectURL(url)),
  };
}

/** The fields the API wants for a kind (the others are ignored by the server anyway). */
function postBody(values) {
  const body = { kind: values.kind, title: values.title, body: values.body };
  if (values.kind === "classified") {
    if (values.free) body.free = true;
    else body.price_cents = Math.round(Number(values.price.replace(",", ".")) * 100);
    if (values.expires_on) body.expires_at = `${values.expires_on}T23:59:00`;
  } else if (values.kind === "event") {
    Object.assign(body, { starts_at: localDateTime(values.starts_at), ends_at: localDateTime(values.ends_at), place: values.place });
  } else if (values.kind === "carpool") {
    Object.assign(body, {
      from_place: values.from_place,
      to_place: values.to_place,
      departs_at: localDateTime(values.departs_at),
      seats: Number(values.seats),
    });
  }
  return body;
}

function validate(values) {
  const errors = {};
  if (values.title && values.title.length < 3) errors.title = t("gazetteNew.titleTooShort");
  if (values.kind === "classified" && !values.free) {
    const amount = Number((values.price || "").replace(",", "."));
    if (!values.price) errors.price = t("gazetteNew.priceOrFree");
    else if (!(amount > 0) || amount > 100000) errors.price = t("gazetteNew.priceInvalid");
  }
  if (values.kind === "event" && values.ends_at && values.starts_at && values.ends_at < values.starts_at) errors.ends_at = t("gazetteNew.endBeforeStart");
  return errors;
}

function priceFields() {
  const price = inputField({ name: "price", label: t("gazetteNew.price"), hint: t("gazetteNew.priceHint"), inputmode: "decimal", required: false, autocomplete: "off" });
  const free = checkboxField({ name: "free", label: t("gazetteNew.free") });
  free.querySelector("input").addEventListener("change", (event) => {
    const input = price.querySelector("input");
    input.disabled = event.target.checked;
    if (event.target.checked) input.value = "";
  });
  return [free, price];
}

export function render(container) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("gazetteNew.title"));
  if (!membership) return undefined;
  const photos = photoPicker();
  const alertRegion = formAlert();
  const when = (name, label, required = true, hint = null) => inputField({ name, label, hint, type: "datetime-local", required, min: `${isoDay()}T00:00` });
  const form = h(
    "form",
    { class: "form", "aria-labelledby": "gazette-new-title" },
    choiceGroup({
      name: "kind",
      legend: t("gazetteNew.kind"),
      choices: MEMBER_KINDS.map((kind) => ({ value: kind, label: t(`gazette.kinds.${kind}`), detail: t(`gazetteNew.kindDetail.${kind}`) })),
      className: "choices--main",
    }),
    inputField({ name: "title", label: t("gazetteNew.titleLabel"), hint: t("gazetteNew.titleHint"), maxlength: "120", minlength: "3", autocomplete: "off" }),
    textareaField({ name: "body", label: t("gazetteNew.bodyLabel"), hint: t("gazetteNew.bodyHint"), maxlength: "5000", rows: 6 }),
    kindFields(
      "classified",
      ...priceFields(),
      inputField({ name: "expires_on", label: t("gazetteNew.expires"), hint: t("gazetteNew.expiresHint"), type: "date", required: false, min: isoDay(1), max: isoDay(90), value: isoDay(30) }),
    ),
    kindFields(
      "event",
      when("starts_at", t("gazetteNew.startsAt")),
      when("ends_at", t("gazetteNew.endsAt"), false, t("gazetteNew.optional")),
      inputField({ name: "place", label: t("gazetteNew.place"), hint: t("gazetteNew.placeHint"), maxlength: "200", autocomplete: "off" }),
    ),
    kindFields(
      "carpool",
      inputField({ name: "from_place", label: t("gazetteNew.from"), maxlength: "200", autocomplete: "off" }),
      inputField({ name: "to_place", label: t("gazetteNew.to"), maxlength: "200", autocomplete: "off" }),
      when("departs_at", t("gazetteNew.departsAt")),
      inputField({ name: "seats", label: t("gazetteNew.seats"), type: "number", min: "1", max: "8", value: "1", inputmode: "numeric" }),
    ),
    photos.element,
    alertRegion,
    h("button", { type: "submit", class: "button button--primary button--block button--large" }, t("gazetteNew.submit")),
    // Unlike alerts, messages and comments, a post (and its photos) is not kept to send later.
    h("p", { class: "field-hint" }, t("gazetteNew.needsNetwork")),
  );
  showKind(form, "");
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind_choice") showKind(form, event.target.value);
  });
  let created = null; // the post, once it exists: a retry then only sends the photos
  handleSubmit(form, alertRegion, {
    validate,
    submit: async (values) => {
      if (!created) created = await api(`/communities/${membership.community_id}/gazette`, { method: "POST", body: postBody(values) });
      if (photos.files.length) {
        const data = new FormData();
        photos.files.forEach((file) => data.append("photos", file, file.name));
        try {
          await api(`/gazette/posts/${created.id}/photos`, { method: "POST", body: data });
        } catch (err) {
          throw Object.assign(err, { detail: t("gazetteNew.photosFailed", { reason: errorMessage(err) }) });
        }
      }
      navigate(`/gazette/${created.id}?publie=1`);
    },
  });
  const offlineBanner = h("p", { class: "banner banner--offline", role: "status", hidden: navigator.onLine !== false }, t("gazetteNew.offline"));
  const connectivity = () => (offlineBanner.hidden = navigator.onLine !== false);
  window.addEventListener("online", connectivity);
  window.addEventListener("offline", connectivity);
  container.append(
    h("h1", { id: "gazette-new-title" }, t("gazetteNew.title")),
    h("p", { class: "lead" }, t("gazetteNew.intro", { community: membership.community_name })),
    offlineBanner,
    form,
  );
  return () => {
    window.removeEventListener("online", connectivity);
    window.removeEventListener("offline", connectivity);
    photos.release();
  };
}
