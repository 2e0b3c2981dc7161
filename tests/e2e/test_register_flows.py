"""The register's screens in Chromium, end to end against the live server:

- the staff key in a paper form with the consent (and are told the contacts without Vigie will be
  texted), open a heatwave episode from its form, and watch the board move live — the question,
  then « no answer » and the neighbour's SMS (« contact prévenu par SMS à 14 h 32 »), a landline
  « à appeler (fixe) », a foreign mobile « à appeler (numéro étranger…) » (never texted);
- a volunteer sees only the people assigned to them, only during the episode, and records
  « appelé, tout va bien ».
The new screens pass axe."""

from __future__ import annotations

import re
from datetime import timedelta

import valkey.asyncio as avalkey
from playwright.async_api import expect

from backend.directory.schemas import ProfileIn
from backend.directory.profile import update_profile
from backend.lib import clock
from backend.register.episodes import local_day, run_episodes
from backend.register.tables import EpisodeCheck
from backend.register.volunteers import VOLUNTEER_SKILL
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import browser_login, person_page, wait_until
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401


def count(page, key: str):
    return page.locator(f'[data-count="{key}"] .mairie-figure-value')


async def test_staff_key_in_a_paper_form_open_an_episode_and_the_board_follows(
        fx_page, fx_server, fx_town, fx_live_api):
    staff = fx_page
    await browser_login(staff.context, Town.STAFF)

    # The paper form, with the consent; the agent is told who will be texted.
    await staff.goto("/#/mairie/registre")
    form = staff.locator("form[aria-labelledby='register-paper-title']")
    await expect(form).to_be_visible(timeout=20_000)
    await form.get_by_label("Son prénom").fill("Marcel")
    await form.get_by_label("Son nom", exact=True).fill("Dupuis")
    await form.get_by_label("Son adresse").fill("8 rue des Lilas, 45100 Bellerive-sur-Loire")
    await form.locator("input[name='phone']").fill("02 38 00 00 01")
    await form.get_by_label("Mon quartier").select_option(label="Les Tilleuls")
    await form.get_by_label("Une personne à prévenir : nom").fill("Marc Voisin")
    phone = form.locator("input[name='contact_phone']")
    await phone.fill("06 12 34 56 78")
    hint = staff.locator(f"[id='{await phone.get_attribute('aria-describedby')}']")
    await expect(hint).to_contain_text("reçoivent un SMS de la mairie sur leur portable")
    await form.get_by_label("Par écrit (formulaire signé)").check()
    await assert_accessible(staff, "mairie register (paper form filled)")
    await form.get_by_role("button", name="Inscrire la personne").click()
    entry = staff.locator(".register-entry").filter(has_text="Marcel Dupuis")
    await expect(entry).to_contain_text("Inscrit(e)", timeout=20_000)
    await expect(entry).to_contain_text("Marc Voisin (+33612345678) : SMS automatique sans réponse")
    # A landline named too (by the API: the form names one person): the register says it is to call.
    staff_api = await fx_live_api(Town.STAFF)
    marcel = next(e for e in (await staff_api.request("GET", f"/api/v1/communes/{fx_town.commune}/register")).json()
                  if e["first_name"] == "Marcel")
    assert marcel["consent_method"] == "ecrit" and marcel["channel"] == "call" and marcel["status"] == "active"

    # The episode, from its form: the question at 00:00 (due now), 10 minutes' delay, the mairie's number.
    await staff.goto("/#/mairie/episodes")
    open_form = staff.locator("form[aria-labelledby='episode-open-title']")
    await expect(open_form).to_be_visible(timeout=20_000)
    await open_form.get_by_label("Heure de la question").fill("00:00")
    await open_form.get_by_label("Délai sans réponse", exact=False).fill("10")
    await open_form.get_by_label("Numéro de la mairie à rappeler", exact=False).fill("02 38 00 00 00")
    await assert_accessible(staff, "mairie episodes (open form)")
    await open_form.get_by_role("button", name="Ouvrir l'épisode").click()
    await expect(staff.get_by_role("heading", name="Canicule", exact=False).first).to_be_visible(timeout=20_000)
    await expect(staff.get_by_text("La première question part à 00:00.")).to_be_visible()

    # The question goes (here, or by the live server's own driver: the same result) — the board moves live.
    live = avalkey.Valkey.from_url(fx_server.env["VIGIE_VALKEY_URL"])
    try:
        res = {"valkey": live}
        await run_episodes(res, clock.now())
        assert await EpisodeCheck.count() == 1
        row = staff.locator(".register-board .mairie-resident").filter(has_text="Marcel Dupuis")
        await expect(row.locator(".register-state")).to_have_text("En attente", timeout=20_000)
        await expect(count(staff, "waiting")).to_have_text("1")

        # Ten minutes later, no answer: the row says so, and the neighbour's SMS shows when it is sent.
        await run_episodes(res, clock.now() + timedelta(minutes=11))
        await expect(row.locator(".register-state")).to_have_text("Sans réponse — proches prévenus", timeout=20_000)
        await expect(count(staff, "no_answer")).to_have_text("1")
        await expect(row.locator(".register-contact--sent")).to_have_text(
            re.compile(r"^Marc Voisin : contact prévenu par SMS à \d{1,2} h \d{2}$"), timeout=30_000)
        await assert_accessible(staff, "mairie episodes (board with contacts)")
        await staff.screenshot(path=f"{SHOTS}/register-board-contacts.png", full_page=True)
    finally:
        await live.aclose()
    assert not staff.errors, staff.errors


async def test_a_landline_or_foreign_contact_is_shown_to_call(fx_page, fx_server, fx_town, fx_live_api):
    staff_api = await fx_live_api(Town.STAFF)
    r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/register", json={
        "community_id": fx_town.tilleuls, "first_name": "Lucienne", "last_name": "Roux",
        "address": "9 rue des Lilas, 45100 Bellerive-sur-Loire", "phone": "02 38 00 00 02", "channel": "call",
        "consent": {"method": "oral"}, "contacts": [{"name": "Paul Ami", "phone": "01 45 67 89 01"},
                                                    {"name": "Hans Keller", "phone": "+41 79 123 45 67"}]})
    assert r.status_code == 201 and [c["mobile"] for c in r.json()["contacts"]] == [False, False], r.text
    today = local_day(clock.now())
    r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/episodes", json={
        "kind": "canicule", "starts_on": today.isoformat(), "ends_on": today.isoformat(), "check_time": "00:00",
        "no_answer_minutes": 10})
    assert r.status_code == 201, r.text
    await run_episodes({}, clock.now())
    await run_episodes({}, clock.now() + timedelta(minutes=11))
    staff = fx_page
    await browser_login(staff.context, Town.STAFF)
    await staff.goto("/#/mairie/episodes")
    row = staff.locator(".register-board .mairie-resident").filter(has_text="Lucienne Roux")
    await expect(row.locator(".register-contact--landline")).to_have_text(
        "Paul Ami : à appeler (fixe) au +33145678901", timeout=20_000)
    await expect(row.locator(".register-contact--foreign")).to_have_text(
        "Hans Keller : à appeler (numéro étranger, pas de SMS automatique) au +41791234567")
    assert not await row.locator(".register-contact--pending, .register-contact--sent").count()
    await staff.goto("/#/mairie/registre")
    entry = staff.locator("li").filter(has_text="Lucienne Roux")
    await expect(entry.get_by_text("Hans Keller (+41791234567) : numéro étranger, pas de SMS automatique, à appeler "
                                   "par la mairie")).to_be_visible(timeout=20_000)
    assert not staff.errors, staff.errors


async def test_a_volunteer_sees_only_their_people_only_during_the_episode_and_records_a_call(
        fx_browser, fx_server, fx_town, fx_live_api):
    staff_api = await fx_live_api(Town.STAFF)
    await update_profile(fx_town.users["bernard"], ProfileIn(skills=[VOLUNTEER_SKILL]))
    ids = {}
    for first, last, phone in (("Odette", "Lambert", "+33612000001"), ("Alice", "Martin", "+33612000002")):
        r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/register", json={
            "community_id": fx_town.tilleuls, "first_name": first, "last_name": last,
            "address": f"{len(ids) + 4} rue des Lilas, 45100 Bellerive-sur-Loire", "phone": phone, "channel": "call",
            "consent": {"method": "ecrit"}})
        assert r.status_code == 201, r.text
        ids[first] = r.json()["id"]
    r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/volunteers/{fx_town.users['bernard']}"
                                "/assignments", json={"entry_id": ids["Odette"]})
    assert r.status_code == 201, r.text

    async with person_page(fx_browser, fx_server, Town.BERNARD) as bernard:
        # Outside an episode: nobody.
        await bernard.goto("/#/registre/benevole")
        await expect(bernard.get_by_text("Aucun épisode en cours : vous n'avez personne à appeler.")).to_be_visible(
            timeout=20_000)
        await expect(bernard.locator(".register-person")).to_have_count(0)

        today = local_day(clock.now())
        r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/episodes", json={
            "kind": "canicule", "starts_on": today.isoformat(), "ends_on": today.isoformat(), "check_time": "00:00"})
        assert r.status_code == 201, r.text
        episode = r.json()
        await run_episodes({}, clock.now())
        await wait_until(lambda: _checks_asked(2), what="today's questions")

        # During it: Odette only, not Alice (not assigned to him).
        await bernard.reload()
        card = bernard.locator(".register-person")
        await expect(card).to_have_count(1, timeout=20_000)
        await expect(card.get_by_role("heading", name="Odette Lambert")).to_be_visible()
        await expect(bernard.get_by_text("Alice Martin")).to_have_count(0)
        await expect(card.get_by_role("link", name="Appeler le +33612000001")).to_have_attribute(
            "href", "tel:+33612000001")
        await assert_accessible(bernard, "register volunteer")
        await card.get_by_role("button", name="Tout va bien", exact=True).click()
        await expect(card.get_by_text("Appel noté.")).to_be_visible(timeout=15_000)
        await expect(bernard.locator(".register-person .alert-card-kicker")).to_have_text("Tout va bien",
                                                                                           timeout=15_000)
        await bernard.screenshot(path=f"{SHOTS}/register-volunteer.png", full_page=True)

        board = (await staff_api.request(
            "GET", f"/api/v1/communes/{fx_town.commune}/episodes/{episode['id']}/board")).json()
        odette = next(r for r in board["rows"] if r["first_name"] == "Odette")
        assert (odette["state"], odette["answered_via"], odette["called_by"]) == ("ok", "call", "Bernard Petit")

        # Closed: nobody again.
        r = await staff_api.request("POST", f"/api/v1/communes/{fx_town.commune}/episodes/{episode['id']}/close")
        assert r.status_code == 200, r.text
        await bernard.reload()
        await expect(bernard.get_by_text("Aucun épisode en cours : vous n'avez personne à appeler.")).to_be_visible(
            timeout=20_000)
        await expect(bernard.locator(".register-person")).to_have_count(0)
        assert not bernard.errors, bernard.errors


async def _checks_asked(n: int) -> bool:
    return await EpisodeCheck.count() == n
