// Screens of later milestones (alerts, Gazette, directory): "coming soon".
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function render(container, { title }) {
  container.append(
    h("h1", {}, t(title)),
    h("p", { class: "banner banner--info" }, h("strong", {}, t("soon.title"))),
    h("p", { class: "lead" }, t("soon.text")),
    h("a", { href: "#/", class: "button button--secondary button--block" }, t("common.backHome")),
  );
}
