// #/moderation/courriers — moderators: the activation letters waiting to be printed, with how many
// letters go to the same address (on their way, and made in 30 days), then one PDF of them all.
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api, ApiError, csrfToken, errorMessage, health } from "../api.js";
import { announce, statusRegion } from "../forms.js";
import { getMe } from "../store.js";
import { card, notice } from "../ui.js";
import { longDateTime } from "../time.js";

/** Worth a look before printing: several letters on their way to one address, or many this month. */
const WATCH_PENDING = 2;
const WATCH_MONTH = 3;

function letterItem(letter) {
  const watch = letter.address_pending >= WATCH_PENDING || letter.address_month >= WATCH_MONTH;
  return h(
    "li",
    { class: watch ? "letter letter--watch" : "letter" },
    h("strong", {}, letter.name), ` — ${letter.community_name}`,
    h("span", { class: "choice-detail" }, letter.address),
    h("span", { class: watch ? "choice-detail banner banner--info" : "choice-detail" },
      t("letters.perAddress", { pending: letter.address_pending, month: letter.address_month })),
    h("span", { class: "choice-detail" }, t("letters.askedAt", { when: longDateTime(letter.created_at) })),
  );
}

async function printBatch(done, button, reload) {
  button.disabled = true;
  announce(done, "");
  try {
    if (!csrfToken()) await health().catch(() => {});
    const response = await fetch("/api/v1/letters/batch", { method: "POST", credentials: "same-origin", headers: { "x-csrftoken": csrfToken() } });
    if (!response.ok) {
      const info = await response.json().catch(() => ({}));
      throw new ApiError(response.status, info.detail, info.code);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: `vigie-courriers.pdf`, class: "link-large" }, t("letters.download"));
    announce(done, t("letters.printed", { count: Number(response.headers.get("x-letter-count") || 0) }), "success");
    done.append(h("p", {}, link));
    link.click();
    await reload();
  } catch (err) {
    announce(done, errorMessage(err));
  } finally {
    button.disabled = false;
  }
}

export async function render(container) {
  const me = getMe();
  if (!me.is_moderator && !me.is_admin) {
    container.append(...notice({ title: t("letters.title"), text: t("letters.notForYou"), kind: "info", href: "#/", link: t("common.backHome") }));
    return;
  }
  const list = h("div", {});
  const done = statusRegion();
  const button = h("button", { type: "button", class: "button button--primary button--block" }, t("letters.print"));
  const reload = async () => {
    try {
      const data = await api("/letters");
      button.hidden = data.unprinted === 0;
      mount(
        list,
        h("p", { class: "lead" }, t("letters.count", { count: data.unprinted })),
        data.letters.length ? h("ul", { class: "plain-list" }, data.letters.map(letterItem)) : null,
      );
    } catch (err) {
      list.replaceChildren(h("p", { class: "banner banner--error" }, errorMessage(err)));
    }
  };
  button.addEventListener("click", () => printBatch(done, button, reload));
  container.append(h("h1", {}, t("letters.title")), card(t("letters.queueTitle"), h("p", {}, t("letters.intro")), list, button, done));
  await reload();
}
