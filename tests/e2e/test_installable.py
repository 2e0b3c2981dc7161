"""The installable PWA in Chromium: the worker takes control at the first visit, the manifest
and its icons are right, the browser finds the app installable, the shell stays light, and a
new version replaces the old one and its caches."""

from __future__ import annotations

import gzip
import io
import re

from PIL import Image
from playwright.async_api import expect

from backend.settings import ROOT
from tests.e2e.conftest import Neighbours, collect_errors, open_app, wait_controlled, wait_for_js

FIRST_LOAD_BUDGET = 150 * 1024  # bytes, gzip-compressed


def shell_files() -> list[str]:
    source = (ROOT / "service_worker" / "precache.js").read_text()
    block = source.split("SHELL_FILES = [", 1)[1].split("];", 1)[0]
    return re.findall(r'^\s*"(/[^"]+)"', block, re.M)


def icons_of(manifest: dict) -> list[dict]:
    return manifest["icons"] + [icon for shortcut in manifest.get("shortcuts", []) for icon in shortcut.get("icons", [])]


async def test_first_visit_is_controlled_by_the_worker_and_the_app_is_installable(fx_persistent, fx_neighbours):
    context = await fx_persistent()
    page = context.pages[0]
    errors = collect_errors(page)
    await page.goto("/")
    await wait_controlled(page)
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    cdp = await context.new_cdp_session(page)
    assert (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"] == []
    caches = await page.evaluate("caches.keys()")
    assert any(name.startswith("vigie-shell-") for name in caches), caches
    assert not errors + context.worker_errors, errors + context.worker_errors


async def test_manifest_parses_and_every_icon_exists_at_its_size(fx_page):
    response = await fx_page.request.get("/manifest.webmanifest")
    assert response.ok
    manifest = await response.json()
    assert manifest["start_url"].startswith("/") and manifest["display"] == "standalone"
    assert {s["url"] for s in manifest["shortcuts"]} >= {"/#/alertes/nouvelle"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in icons_of(manifest):
        image = await fx_page.request.get(icon["src"])
        assert image.ok, icon["src"]
        width, height = Image.open(io.BytesIO(await image.body())).size
        assert f"{width}x{height}" == icon["sizes"], icon


def test_whole_shell_stays_under_the_first_load_budget():
    """Everything the first visit downloads (the worker precaches the whole shell), compressed."""
    total = 0
    for path in shell_files():
        file = ROOT / "service_worker" / path[len("/sw/"):] if path.startswith("/sw/") else ROOT / "pwa" / path[1:]
        total += len(gzip.compress(file.read_bytes(), 9))
    for name in ("sw.js", "version.js", "precache.js", "strategies.js", "messages.js"):
        total += len(gzip.compress((ROOT / "service_worker" / name).read_bytes(), 9))
    assert total < FIRST_LOAD_BUDGET, f"{total / 1024:.0f} KB"


async def test_new_worker_version_replaces_the_old_one_and_its_caches(fx_persistent, fx_neighbours):
    context, page, errors = await open_app(fx_persistent, Neighbours.ODETTE, "/#/alertes")
    old = await page.evaluate("navigator.serviceWorker.controller.scriptURL")
    old_shell = next(name for name in await page.evaluate("caches.keys()") if name.startswith("vigie-shell-"))

    # The next release: the server now says VERSION = "next" (the page and the new worker read it).
    await context.route("**/sw/version.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body='export const VERSION = "next";'))
    await page.reload()
    await page.get_by_role("button", name="Recharger").click()  # "Nouvelle version" banner
    await page.wait_for_function("() => navigator.serviceWorker.controller?.scriptURL.endsWith('?v=next')")
    await expect(page.get_by_role("heading", name="Alertes")).to_be_visible()
    await wait_for_js(page, "caches.keys().then((names) => names.includes('vigie-shell-next'))")
    caches = await page.evaluate("caches.keys()")
    assert old_shell not in caches and not any(name.startswith("vigie-static-") and name != "vigie-static-next"
                                               for name in caches), caches
    assert old.endswith(old_shell.removeprefix("vigie-shell-"))
    assert not errors + context.worker_errors, errors + context.worker_errors
