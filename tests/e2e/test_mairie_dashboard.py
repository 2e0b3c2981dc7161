"""The mairie dashboard in Chromium: a known set of alerts draws the right bars in the SVG chart
(with its hidden data table), the CSV link downloads the same figures, and a new alert updates
the chart without a reload."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from playwright.async_api import expect

from backend.alerts.service import CATEGORIES
from backend.alerts.tables import Alert
from backend.delivery.service import LOCAL_TZ
from backend.lib import clock
from tests.e2e.conftest import browser_login
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401


FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre")


def french_day(when) -> str:
    """« mercredi 2 décembre »: what Intl.DateTimeFormat("fr", weekday/day/month long) writes."""
    local = when.astimezone(LOCAL_TZ)
    return f"{FRENCH_WEEKDAYS[local.weekday()]} {local.day} {FRENCH_MONTHS[local.month - 1]}"


async def add_alert(town: Town, category: str, when, *, moderation: str = "approved", notify_mairie: bool = False) -> None:
    await Alert.insert(Alert(community=town.tilleuls, author=town.users["odette"], category=category, title="Vu dans la rue",
                             body="Quelque chose à signaler.", moderation=moderation, notify_mairie=notify_mairie,
                             created_at=when))


async def test_dashboard_draws_one_bar_per_day_and_category_and_its_csv_matches(fx_page, fx_town, fx_live_api):
    today = clock.now() - timedelta(minutes=1)
    earlier = today - timedelta(days=5)
    for _ in range(3):
        await add_alert(fx_town, "suspicious_vehicle", today)
    await add_alert(fx_town, "fire_smoke", today, notify_mairie=True)
    for _ in range(2):
        await add_alert(fx_town, "suspicious_person", earlier)
    await add_alert(fx_town, "other", today - timedelta(days=40))  # before the 30-day window
    await add_alert(fx_town, "other", today, moderation="removed")  # removed by moderation
    day, day5 = (d.astimezone(LOCAL_TZ).date().isoformat() for d in (today, earlier))
    expected = {(day, "suspicious_vehicle", 3), (day, "fire_smoke", 1), (day5, "suspicious_person", 2)}

    page = fx_page
    await browser_login(page.context, Town.STAFF)
    await page.goto("/#/mairie")
    await page.get_by_role("link", name="Ouvrir le tableau de bord").click()
    await expect(page.get_by_role("heading", name="Tableau de bord", exact=True)).to_be_visible()
    chart = page.locator('svg.chart[role="img"]')
    # The exact French words of the peak day (today): a pattern with \w would be a JavaScript
    # RegExp in the browser, where \w is ASCII only and misses « décembre », « février », « août ».
    await expect(chart).to_have_attribute(
        "aria-label", f"Graphique : 6 alertes sur les 30 derniers jours ; au plus 4 en un jour, le {french_day(today)}.")
    bars = chart.locator("rect.chart-bar")
    await expect(bars).to_have_count(3)
    drawn = {(await b.get_attribute("data-group"), await b.get_attribute("data-series"), int(await b.get_attribute("data-value")))
             for b in await bars.all()}
    assert drawn == expected
    # The same figures for screen readers: a hidden table, one row per day with alerts.
    table = page.locator('[data-table="alerts_per_day"] .visually-hidden table')
    await expect(table.locator("tbody tr")).to_have_count(2)
    await expect(table.locator("thead th")).to_have_text(["Jour", "Incendie ou fumée", "Personne suspecte", "Véhicule suspect", "Total"])
    await expect(page.locator('[data-table="forwarded_awaiting"] h2')).to_have_text("1 signalement à traiter")
    await expect(page.locator('[data-figure="alerts"] .mairie-figure-value')).to_have_text("6")
    await page.screenshot(path=f"{SHOTS}/mairie-dashboard.png", full_page=True)

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Télécharger « Alertes par jour » (CSV)").click()
    download = await download_info.value
    text = (await download.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["jour", "catégorie", "alertes"]  # in French for the agent's spreadsheet
    assert {(d, c, int(n)) for d, c, n in rows[1:]} == {
        (date.fromisoformat(d).strftime("%d/%m/%Y"), CATEGORIES[c], n) for d, c, n in expected}

    # A new alert in the commune: the chart follows without a reload.
    alice = await fx_live_api(Town.ALICE)
    await alice.post_alert(fx_town.tilleuls, "key-dashboard-001")
    now_day = clock.now().astimezone(LOCAL_TZ).date().isoformat()
    value = "4" if now_day == day else "1"
    await expect(chart.locator(f'rect[data-group="{now_day}"][data-series="suspicious_vehicle"]')).to_have_attribute(
        "data-value", value, timeout=10_000)
    await expect(page.locator('[data-figure="alerts"] .mairie-figure-value')).to_have_text("7")
    assert not page.errors, page.errors
