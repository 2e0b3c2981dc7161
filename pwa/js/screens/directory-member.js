// #/annuaire/<id> — one member's card (its own small answer, kept for offline reading once
// opened; offline, a card not opened yet is looked for in the directory's first page the device
// kept), and "Écrire un message".
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, apiRead, errorMessage } from "../api.js";
import { getMe } from "../store.js";
import { navigate } from "../router.js";
import { announce, statusRegion } from "../forms.js";
import { cachedBanner } from "../ui.js";
import { avatar, badge, directoryPagePath, memberOrNotice } from "../community.js";
import { contactList, helpText } from "./directory.js";

/** Open (or create) the two-person conversation with this member. */
async function writeTo(communityId, entry) {
  const conversation = await api(`/communities/${communityId}/conversations`, { method: "POST", body: { participant_ids: [entry.user_id] } });
  navigate(`/messages/${conversation.id}`);
}

function section(title, ...children) {
  return h("section", { class: "member-section" }, h("h2", {}, title), ...children);
}

export function render(container, { params }) {
  const me = getMe();
  const membership = memberOrNotice(container, me, t("directory.title"));
  if (!membership) return;
  const userId = Number(params.id);
  const cached = cachedBanner(null);
  const status = statusRegion();
  const content = h("div", {}, h("p", { class: "loading" }, t("common.loading")));
  const back = h("a", { href: "#/annuaire", class: "button button--secondary button--block" }, t("directory.back"));

  function show(entry, offline) {
    document.title = `${entry.name} — Vigie`;
    const help = helpText(entry);
    const write = h("button", { type: "button", class: "button button--primary button--block button--large" }, t("directory.write", { name: entry.first_name }));
    write.addEventListener("click", async () => {
      write.disabled = true;
      try {
        await writeTo(membership.community_id, entry);
      } catch (err) {
        announce(status, errorMessage(err), "error");
        write.disabled = false;
      }
    });
    mount(
      content,
      h("div", { class: "member-head" }, avatar(entry.photo_url, entry.name, "large"), h("div", {}, h("h1", {}, entry.name), entry.role === "referent" ? badge("resolved", t("directory.referent")) : null)),
      entry.street ? h("p", { class: "lead" }, entry.street) : null,
      entry.is_me ? h("a", { href: "#/profil", class: "button button--primary button--block" }, t("directory.editMine")) : offline ? null : write,
      status,
      entry.bio ? section(t("directory.bio"), h("p", { class: "post-body" }, entry.bio)) : null,
      help || entry.help_note ? section(t("directory.canHelp"), help ? h("p", {}, help) : null, entry.help_note ? h("p", {}, entry.help_note) : null) : null,
      entry.interests.length ? section(t("directory.interests"), h("p", {}, entry.interests.join(", "))) : null,
      section(t("directory.contact"), contactList(entry) || h("p", {}, t("directory.noContact", { name: entry.first_name }))),
    );
  }

  container.append(cached, content, back);
  const failed = (text) => mount(content, h("h1", {}, t("directory.title")), h("p", { class: "banner banner--error", role: "alert" }, text));
  const communityId = membership.community_id;
  apiRead(`/communities/${encodeURIComponent(communityId)}/directory/${encodeURIComponent(userId)}`)
    .then(({ data, cachedAt }) => {
      cachedBanner(cachedAt, cached);
      show(data, Boolean(cachedAt));
    })
    .catch(async (err) => {
      if (err.status === 404) return failed(t("directory.notFound"));
      if (err.status === 0 || err.code === "offline") {
        const kept = await apiRead(directoryPagePath(communityId)).catch(() => null);
        const entry = kept && kept.data.items.find((e) => e.user_id === userId);
        if (entry) {
          cachedBanner(kept.cachedAt || new Date(), cached);
          return show(entry, true);
        }
      }
      return failed(errorMessage(err));
    });
}
