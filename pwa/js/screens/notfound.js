// Any unknown route.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function render(container) {
  container.append(
    h("h1", {}, t("notFound.title")),
    h("p", { class: "lead" }, t("notFound.text")),
    h("a", { href: "#/", class: "button button--primary button--block" }, t("common.backHome")),
  );
}
