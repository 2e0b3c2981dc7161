"""The installable PWA in Chromium: the worker takes control at the first visit, the manifest
and its icons are right, the browser finds the app installable, the shell stays light, and a
new version replaces the old one and its caches."""

from __future__ import annotations

import asyncio
import io
import re

from PIL import Image
from playwright.async_api import expect

from backend.devtools.loopback import free_port
from backend.lib.transfer import release_version
from backend.settings import ROOT
from tests.e2e.conftest import (CHROMIUM, CHROMIUM_ARGS, PHONE, Neighbours, collect_errors, open_app, wait_controlled,
                                wait_for_js)
from tests.e2e.wire import WireMeter

FIRST_LOAD_BUDGET = 150 * 1024  # bytes on the wire for the page's own requests
FIRST_VISIT_BUDGET = 300 * 1024  # the same plus everything the service worker downloads to precache the shell


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


async def test_first_visit_stays_under_the_budgets_as_chromium_counts_them(fx_playwright, fx_server, fx_neighbours):
    """Bytes on the wire (CDP encodedDataLength: headers and compressed bodies) of every request
    of the page, then of the page and the service worker once it has precached the shell."""
    port = free_port()
    browser = await fx_playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                  args=[*CHROMIUM_ARGS, f"--remote-debugging-port={port}"])
    try:
        async with WireMeter(port) as meter:
            context = await browser.new_context(base_url=fx_server.url, **PHONE)
            page = await context.new_page()
            errors = collect_errors(page)
            await page.goto("/")
            await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
            await page.wait_for_load_state("networkidle")
            first_load = meter.total("page")
            await wait_controlled(page)
            await wait_for_js(page, f"caches.open('vigie-shell-{release_version()}').then((c) => c.keys())"
                                    f".then((keys) => keys.length === {len(shell_files())})")
            await page.wait_for_load_state("networkidle")
            await asyncio.sleep(0.5)  # the last loadingFinished events
            first_visit = meter.total()
            worker = meter.total("service_worker")
        report = meter.report()
        assert worker > 0, report  # the worker's own downloads were seen
        loaded = {t.url for t in meter.transfers.values() if t.target == "page" and t.encoded > 1024}
        twice = [t.url for t in meter.transfers.values()
                 if t.target == "service_worker" and t.url in loaded and t.encoded > 1024]
        assert not twice, f"downloaded again by the worker: {twice}"  # a 304 (~0.7 KB) is fine
        assert first_load <= FIRST_LOAD_BUDGET, f"first load {first_load / 1024:.0f} KB\n{report}"
        assert first_visit <= FIRST_VISIT_BUDGET, f"first visit {first_visit / 1024:.0f} KB\n{report}"
        assert not errors, errors
        print(f"first load {first_load / 1024:.1f} KB, first visit {first_visit / 1024:.1f} KB "
              f"(worker {worker / 1024:.1f} KB)\n{report}")
    finally:
        await browser.close()


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
