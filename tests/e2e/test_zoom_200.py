"""The app at 200 % zoom on a 360×740 phone, every main screen: no word is cut across two lines,
nothing overflows its box (an input too narrow for its value, a table wider than its column, a
page that scrolls sideways). Screenshots in /tmp/vigie-screens/zoom200-*.png.

How Chromium renders a page zoomed to 200 %: CSS pixels double in size, so the layout viewport
halves (a 360×740 phone lays out at 180×370 CSS px) and `devicePixelRatio` doubles. We emulate
exactly that — a 180×370 viewport with deviceScaleFactor 4 (the phone's 2 × the zoom's 2) — so
media queries, `rem`s and text wrapping meet what the resident's browser meets."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from backend.demo import make_user
from backend.communities.tables import MembershipStatus
from tests.e2e.community import SHOTS, Street, fx_street, open_conversation, post_gazette  # noqa: F401
from tests.e2e.conftest import Neighbours, browser_login, collect_errors
from tests.e2e.mairie_town import Town, fx_town  # noqa: F401 (fixture)
from tests.e2e.test_accessibility import MODERATOR, MORE_MEMBER, STAFF

ZOOM_200 = {"viewport": {"width": 180, "height": 370}, "device_scale_factor": 4, "locale": "fr-FR",
            "is_mobile": True, "has_touch": True}

# Every visible text node of the page, word by word (a word ends at a space, or after a hyphen or
# a slash, where browsers may break a line). A word whose characters' boxes sit on two lines was
# cut. E-mail addresses and links are not words: they may break. Then every element whose content
# is wider than its box (inputs included: a code or a phone number cut at the edge), and the page.
LAYOUT_FAULTS = r"""() => {
  const faults = [];
  // Visually hidden (for screen readers only): clipped to 1 px, or inside such a box.
  const clipped = (el) => {
    for (let a = el; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.position === "absolute" && style.clip !== "auto") return true;
    }
    return false;
  };
  const visible = (el) => el && el.getClientRects().length && getComputedStyle(el).visibility !== "hidden"
    && !el.closest(".visually-hidden, .sr-only, [hidden], [aria-hidden='true'], script, style, noscript") && !clipped(el);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !visible(parent)) continue;
    const style = getComputedStyle(parent);
    if (style.position === "absolute" && style.clip !== "auto") continue;
    const re = /[^\s\-\/]+[\-\/]?/g;
    const links = [...node.data.matchAll(/\S*(?:@|:\/\/|www\.)\S*/g)].map((l) => [l.index, l.index + l[0].length]);
    for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
      const word = m[0];
      if (word.length < 2 || /[@:]|\.\w/.test(word) || links.some(([a, b]) => m.index >= a && m.index < b)) continue;
      const tops = new Set();
      for (let i = 0; i < word.length; i++) {
        const range = document.createRange();
        range.setStart(node, m.index + i);
        range.setEnd(node, m.index + i + 1);
        for (const rect of range.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.top + rect.height / 2));
      }
      const lines = [...tops].sort((a, b) => a - b);
      if (lines.length > 1 && lines[lines.length - 1] - lines[0] > 4) faults.push(`word cut: « ${word} » in <${parent.tagName.toLowerCase()} class="${parent.className}">`);
    }
  }
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el) || el.clientWidth < 2) continue;
    const style = getComputedStyle(el);
    if (style.display === "inline" || (style.position === "absolute" && style.clip !== "auto")) continue;
    const box = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1) faults.push(`overflows its box (${el.scrollWidth} > ${el.clientWidth} px): <${el.tagName.toLowerCase()} class="${el.className}"> ${(el.value || el.textContent || "").trim().slice(0, 40)}`);
    else if (box.right > innerWidth + 1 && !el.closest("[data-scroll-x]")) faults.push(`past the screen's edge: <${el.tagName.toLowerCase()} class="${el.className}"> ${(el.textContent || "").trim().slice(0, 40)}`);
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth) faults.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px)`);
  return [...new Set(faults)];
}"""


async def layout_faults(page: Any) -> list[str]:
    return await page.evaluate(LAYOUT_FAULTS)


async def walk(page: Any, screens: dict[str, tuple[str, str]], fill: dict[str, Any] | None = None) -> list[str]:
    """Each screen at 200 %: its heading, then the faults; a screenshot of each kept."""
    found = []
    for name, (path, heading) in screens.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        await expect(page.locator("main .loading")).to_have_count(0)
        if fill and name in fill:
            await fill[name](page)
        await page.screenshot(path=f"{SHOTS}/zoom200-{name}.png", full_page=True)
        found += [f"{name}: {fault}" for fault in await layout_faults(page)]
    return found


async def test_the_check_sees_a_cut_word_and_an_input_too_narrow(fx_browser, fx_server):
    """The detector itself: a word forced to break anywhere, and a code cut by a narrow input."""
    context = await fx_browser.new_context(base_url=fx_server.url, **ZOOM_200)
    page = await context.new_page()
    await page.goto("/#/connexion")
    await expect(page.get_by_role("heading", name="Connexion", exact=True)).to_be_visible()
    assert await layout_faults(page) == []
    await page.evaluate("""() => {
      const p = document.createElement("p");
      p.style.cssText = "width: 40px; overflow-wrap: anywhere";
      p.textContent = "Messages";
      const input = document.createElement("input");
      input.style.cssText = "width: 50px; font-size: 30px";
      input.value = "8BS2-E7KQ";
      document.querySelector("main").append(p, input);
    }""")
    faults = await layout_faults(page)
    assert any("« Messages »" in f for f in faults), faults
    assert any("8BS2-E7KQ" in f for f in faults), faults
    await context.close()


async def test_every_main_screen_keeps_words_whole_at_200_percent_zoom(fx_browser, fx_server, fx_street, fx_live_api,
                                                                       fx_password_hash):
    n = fx_street.n
    alice = await fx_live_api(Neighbours.ALICE)
    alert = await alice.post_alert(n.community, "key-zoom-0001", category="burglary_in_progress",
                                   title="Cambriolage en cours au 8 impasse des Roses", place="8 impasse des Roses")
    post = await post_gazette(alice, n.community, title="Informations sur la fête des voisins")
    conversation = await open_conversation(alice, n.community, n.odette)
    await make_user("paulette@test.vigie.fr", "Paulette", "Durand", password_hash=fx_password_hash,
                    phone="+33611000009", community_id=n.community, status=MembershipStatus.PENDING)
    context = await fx_browser.new_context(base_url=fx_server.url, **ZOOM_200)
    page = await context.new_page()
    errors = collect_errors(page)

    async def type_code(p: Any) -> None:
        await p.get_by_label("Code d'activation").fill("8BS2-E7KQ")

    async def type_phone(p: Any) -> None:
        await p.get_by_label("Téléphone portable").fill("06 12 34 56 78")

    faults = await walk(page, {
        "login": ("/#/connexion", "Connexion"),
        "signup": ("/#/inscription", "Créer mon compte"),
    }, {"signup": type_phone})
    await browser_login(context, "paulette@test.vigie.fr")
    await page.reload()  # the app reads who is logged in at start
    faults += await walk(page, {"activation": ("/#/activation", "Activer mon compte")},
                         {"activation": type_code})
    await context.clear_cookies()
    await browser_login(context, Neighbours.ALICE)  # the author sees who was told
    await page.goto("/#/")
    await page.reload()
    faults += await walk(page, {
        "home": ("/#/", "Bienvenue dans Les Tilleuls"),
        "alerts": ("/#/alertes", "Alertes"),
        "alert-new": ("/#/alertes/nouvelle", "Donner l'alerte"),
        "alert-detail-author": (f"/#/alertes/{alert['id']}", "Cambriolage en cours au 8 impasse des Roses"),
        "gazette": ("/#/gazette", "La Gazette"),
        "gazette-post": (f"/#/gazette/{post['id']}", "Informations sur la fête des voisins"),
        "gazette-new": ("/#/gazette/nouveau", "Écrire dans la Gazette"),
        "directory": ("/#/annuaire", "L'annuaire"),
        "profile": ("/#/profil", "Ma fiche dans l'annuaire"),
        "messages": ("/#/messages", "Messages"),
        "messages-thread": (f"/#/messages/{conversation['id']}", "Odette Lambert"),
        "messages-new": ("/#/messages/nouveau", "Écrire à un voisin"),
        "checkins": ("/#/veille", "Veille solidaire"),
        "settings": ("/#/reglages", "Réglages"),
    })
    assert not faults, "\n".join(faults)
    assert not errors, errors
    await context.close()


async def test_mairie_staff_screens_keep_words_whole_at_200_percent_zoom(fx_browser, fx_server, fx_town):
    context = await fx_browser.new_context(base_url=fx_server.url, **ZOOM_200)
    page = await context.new_page()
    errors = collect_errors(page)
    await browser_login(context, Town.STAFF)
    await page.goto("/#/")
    await page.reload()
    faults = []
    for path in STAFF:
        await page.goto(path)
        await expect(page.locator("main h1").first).to_be_visible()
        await expect(page.locator("main .loading")).to_have_count(0)
        await page.wait_for_load_state("networkidle")
        name = "staff-" + (path.strip("/#").replace("/", "-") or "home")
        await page.screenshot(path=f"{SHOTS}/zoom200-{name}.png", full_page=True)
        faults += [f"{path}: {fault}" for fault in await layout_faults(page)]
    assert not faults, "\n".join(faults)
    assert not errors, errors
    await context.close()


async def test_other_member_and_moderator_screens_keep_words_whole_at_200_percent_zoom(fx_browser, fx_server,
                                                                                      fx_neighbours, fx_live_api):
    alice = await fx_live_api(Neighbours.ALICE)
    alert = await alice.post_alert(fx_neighbours.community, "key-zoom-0002", title="Camionnette blanche sans plaque")
    context = await fx_browser.new_context(base_url=fx_server.url, **ZOOM_200)
    page = await context.new_page()
    errors = collect_errors(page)
    faults = []
    for email, paths in ((Neighbours.ODETTE, MORE_MEMBER),
                         (Neighbours.MODERATOR, [p.format(alert=alert["id"], member=fx_neighbours.alice) for p in MODERATOR])):
        await context.clear_cookies()
        await browser_login(context, email)
        await page.goto("/#/")
        await page.reload()
        for path in paths:
            await page.goto(path)
            await expect(page.locator("main h1").first).to_be_visible()
            # Visible placeholders only: a closed « Historique » keeps its own until it is opened.
            await expect(page.locator("main .loading >> visible=true"),
                         f"{email} {path}: still loading after 15 s").to_have_count(
                0, timeout=15_000)
            await page.wait_for_load_state("networkidle")
            name = email.split("@")[0] + "-" + (path.strip("/#").replace("/", "-") or "home")
            await page.screenshot(path=f"{SHOTS}/zoom200-{name}.png", full_page=True)
            faults += [f"{email} {path}: {fault}" for fault in await layout_faults(page)]
    assert not faults, "\n".join(faults)
    assert not errors, errors
    await context.close()
