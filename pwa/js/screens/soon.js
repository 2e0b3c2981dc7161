// Screens of later milestones (alerts, Gazette, directory): "coming soon".
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { notice } from "../ui.js";

export function render(container, { title }) {
  const [heading, banner, link] = notice({
    title: t(title), text: t("soon.title"), kind: "info", href: "#/", link: t("common.backHome"), variant: "secondary",
  });
  container.append(heading, banner, h("p", { class: "lead" }, t("soon.text")), link);
}
