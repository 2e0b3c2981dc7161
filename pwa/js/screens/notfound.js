// Any unknown route.
import { t } from "../i18n.js";
import { notice } from "../ui.js";

export function render(container) {
  container.append(...notice({ title: t("notFound.title"), text: t("notFound.text"), href: "#/", link: t("common.backHome") }));
}
