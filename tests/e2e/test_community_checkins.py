"""Veille solidaire in Chromium: a member sets up a check-in with two neighbours, one accepts in
the app (the other through the API), and « Je vais bien » records the check-in; a person accepts
the check-in a referent set up for her, seeing exactly what would be shared and with whom."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from playwright.async_api import expect

from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound
from tests.e2e.community import SHOTS, Street, fx_street  # noqa: F401
from tests.e2e.conftest import LiveApi, Neighbours, browser_login, person_page


async def test_set_up_accept_and_je_vais_bien_records_the_check_in(fx_page, fx_browser, fx_server, fx_street,
                                                                  fx_live_api):
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/")
    await page.get_by_role("link", name="Veille solidaire").click()
    await expect(page.get_by_role("heading", name="Veille solidaire", exact=True)).to_be_visible()
    await page.get_by_role("link", name="Mettre en place ma veille").click()
    await expect(page.get_by_text("12 rue des Tilleuls")).to_be_visible()  # the address the watchers get
    await page.get_by_label("À quelle heure ?").fill("10:30")
    await page.get_by_label("Un mot pour les voisins qui veillent (facultatif)").fill("Clés chez Alice.")
    await page.get_by_label("Alice Martin").check()
    await page.get_by_role("button", name="Mettre en place la veille").click()
    await expect(page.get_by_text("Choisissez au moins 2 voisins.", exact=True)).to_be_visible()
    await page.get_by_label("Bruno Petit").check()
    await page.screenshot(path=f"{SHOTS}/checkins-new.png", full_page=True)
    await page.get_by_role("button", name="Mettre en place la veille").click()
    await expect(page.get_by_text("La veille est enregistrée.")).to_be_visible()
    await expect(page.get_by_text("La veille commencera quand 2 voisins auront accepté (0 pour l'instant).")).to_be_visible()
    checkin = await Checkin.select(Checkin.id, Checkin.check_time, Checkin.note).first()
    assert (str(checkin["check_time"])[:5], checkin["note"]) == ("10:30", "Clés chez Alice.")

    # Alice accepts in her app; Bruno through the API.
    async with person_page(fx_browser, fx_server, Neighbours.ALICE) as alice:
        await alice.goto("/#/veille")
        invitation = alice.locator(f'[data-checkin-id="{checkin["id"]}"]')
        await expect(invitation).to_contain_text("Veiller sur Odette Lambert ?")
        await alice.screenshot(path=f"{SHOTS}/checkins-invitation.png", full_page=True)
        await invitation.get_by_role("button", name="J'accepte de veiller").click()
        await expect(alice.get_by_text("Merci ! Vous veillez maintenant sur Odette Lambert.")).to_be_visible()
        await expect(alice.locator(f'[data-checkin-id="{checkin["id"]}"]')).to_contain_text("Odette Lambert")
        assert not alice.errors, alice.errors
    bruno: LiveApi = await fx_live_api(Street.BRUNO)
    accepted = await bruno.request("POST", f"/api/v1/solidarity/checkins/{checkin['id']}/invitation/accept")
    assert accepted.status_code == 200, accepted.text

    await page.get_by_role("link", name="Retour à la veille solidaire").click()
    fine = page.get_by_role("button", name="Je vais bien")
    await expect(fine).to_be_visible()
    await expect(page.get_by_text("Alice Martin — a accepté de veiller")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/checkins-person.png", full_page=True)
    assert await CheckinRound.count() == 0
    await fine.click()
    await expect(page.get_by_text("Merci ! C'est noté")).to_be_visible()
    rounds = await CheckinRound.select(CheckinRound.state, CheckinRound.checked_in_at).where(
        CheckinRound.checkin == checkin["id"])
    assert len(rounds) == 1 and rounds[0]["state"] == "checked_in" and rounds[0]["checked_in_at"] is not None
    odette = await fx_live_api(Neighbours.ODETTE)
    detail = (await odette.request("GET", f"/api/v1/solidarity/checkins/{checkin['id']}")).json()
    assert detail["status"] == "active" and detail["current"]["state"] == "checked_in"
    await expect(page.get_by_text("Aujourd'hui, c'est noté à")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/checkins-person-done.png", full_page=True)
    assert not page.errors, page.errors


async def test_watcher_alerted_goes_to_see_then_says_all_is_well(fx_page, fx_street, fx_live_api):
    n = fx_street.n
    jeanne = await fx_live_api(Street.JEANNE)
    created = await jeanne.request("POST", f"/api/v1/communities/{n.community}/checkins", json={
        "person_id": n.odette, "watcher_ids": [n.alice, fx_street.bruno], "check_time": "09:00",
        "note": "Clés chez Alice.", "consent": {"method": "telephone", "given_by": "Sa fille"}})
    assert created.status_code == 201, created.text
    checkin_id = created.json()["id"]
    odette_api = await fx_live_api(Neighbours.ODETTE)  # she agrees (her confirmation screen: the test below)
    confirmed = await odette_api.request("POST", f"/api/v1/solidarity/checkins/{checkin_id}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    for email in (Neighbours.ALICE, Street.BRUNO):
        accepted = await (await fx_live_api(email)).request(
            "POST", f"/api/v1/solidarity/checkins/{checkin_id}/invitation/accept")
        assert accepted.status_code == 200, accepted.text
    # Yesterday's round went unanswered: the watchers were alerted (what the worker's job does).
    yesterday = date.today() - timedelta(days=1)
    due = datetime.combine(yesterday, time(8, 0), tzinfo=timezone.utc)
    await CheckinRound.insert(CheckinRound(checkin=checkin_id, period_date=yesterday, due_at=due, state="escalated",
                                           reminded_at=due, escalated_at=due + timedelta(hours=1)))

    page = fx_page
    await browser_login(page.context, Neighbours.ALICE)
    await page.goto("/#/veille")
    card = page.locator(f'[data-checkin-id="{checkin_id}"]')
    await expect(card).to_contain_text("Pas de nouvelles de Odette Lambert depuis")
    await expect(card).to_have_class(re.compile("checkin-card--alarm"))
    await page.screenshot(path=f"{SHOTS}/checkins-watcher-alarm.png", full_page=True)
    await card.get_by_role("button", name="Je passe voir").click()
    await expect(page.get_by_text("C'est noté : les autres voisins savent que vous passez voir Odette Lambert.")).to_be_visible()
    await expect(card).to_contain_text("Alice Martin passe voir Odette Lambert.")
    round_ = await CheckinRound.select(CheckinRound.state, CheckinRound.going_by).where(
        CheckinRound.checkin == checkin_id).first()
    assert (round_["state"], round_["going_by"]) == ("someone_going", n.alice)

    await card.get_by_role("button", name="Tout va bien").click()
    await page.get_by_label("Que s'est-il passé ?").fill("Elle était chez sa fille.")
    await page.get_by_role("button", name="Dire que tout va bien").click()
    await expect(page.get_by_text("Merci ! Les autres voisins sont rassurés.")).to_be_visible()
    round_ = await CheckinRound.select(CheckinRound.state, CheckinRound.resolution_note).where(
        CheckinRound.checkin == checkin_id).first()
    assert (round_["state"], round_["resolution_note"]) == ("resolved", "Elle était chez sa fille.")

    await card.get_by_role("link", name="Voir la veille de Odette Lambert").click()
    await expect(page.get_by_role("heading", name="Veille de Odette Lambert")).to_be_visible()
    await expect(page.get_by_text("Clés chez Alice.")).to_be_visible()  # watchers see the note and address
    await expect(page.get_by_text("donné par téléphone par Sa fille")).to_be_visible()
    history = page.locator(".history-item")
    await expect(history.first).to_contain_text("Elle était chez sa fille.")
    await page.screenshot(path=f"{SHOTS}/checkins-detail-watcher.png", full_page=True)
    assert not page.errors, page.errors


async def test_person_changes_the_hour_pauses_resumes_and_stops(fx_page, fx_street, fx_live_api):
    n = fx_street.n
    odette = await fx_live_api(Neighbours.ODETTE)
    created = await odette.request("POST", f"/api/v1/communities/{n.community}/checkins",
                                   json={"watcher_ids": [n.alice, fx_street.bruno]})
    assert created.status_code == 201, created.text
    checkin_id = created.json()["id"]
    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto(f"/#/veille/{checkin_id}")
    await expect(page.get_by_role("heading", name="Ma veille")).to_be_visible()
    await page.get_by_label("À quelle heure ?").fill("11:15")
    await page.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(page.get_by_text("C'est enregistré.")).to_be_visible()
    assert str((await Checkin.select(Checkin.check_time).first())["check_time"])[:5] == "11:15"

    await page.get_by_label("En pause jusqu'au (inclus)").fill((date.today() + timedelta(days=3)).isoformat())
    await page.get_by_role("button", name="Mettre en pause").click()
    await expect(page.get_by_text("La veille est en pause jusqu'au")).to_be_visible()
    await page.get_by_role("button", name="Reprendre la veille maintenant").click()
    await expect(page.get_by_text("La veille reprend.")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/checkins-detail-person.png", full_page=True)

    await page.get_by_role("button", name="Arrêter la veille").click()
    await page.get_by_role("button", name="Oui, arrêter").click()
    await expect(page.get_by_text("La veille est arrêtée.")).to_be_visible()
    assert (await Checkin.select(Checkin.stopped_at).first())["stopped_at"] is not None
    await page.get_by_role("link", name="Retour à la veille solidaire").click()
    await expect(page.get_by_role("link", name="Mettre en place ma veille")).to_be_visible()
    assert not page.errors, page.errors


async def test_watcher_links_a_no_news_alert_to_the_check_in_from_the_alert_and_from_the_check_in(
        fx_page, fx_street, fx_live_api):
    n = fx_street.n
    odette = await fx_live_api(Neighbours.ODETTE)
    created = await odette.request("POST", f"/api/v1/communities/{n.community}/checkins",
                                   json={"watcher_ids": [n.alice, fx_street.bruno]})
    checkin_id = created.json()["id"]
    for email in (Neighbours.ALICE, Street.BRUNO):
        await (await fx_live_api(email)).request("POST", f"/api/v1/solidarity/checkins/{checkin_id}/invitation/accept")
    jeanne = await fx_live_api(Street.JEANNE)
    alert = await jeanne.post_alert(n.community, "no-news-odette-1", category="no_news",
                                    title="Volets fermés chez Odette", body="Pas vue depuis hier.")

    # Alice opens the alert: she watches over Odette, so she can link it to Odette's check-in.
    page = fx_page
    await browser_login(page.context, Neighbours.ALICE)
    await page.goto(f"/#/alertes/{alert['id']}")
    await page.get_by_role("button", name="Lier à la veille de Odette Lambert").click()
    await expect(page.get_by_text("L'alerte est liée à la veille de Odette Lambert.")).to_be_visible()
    linked = await CheckinEvent.select(CheckinEvent.alert, CheckinEvent.actor).where(
        CheckinEvent.type == "alert_linked")
    assert linked == [{"alert": alert["id"], "actor": n.alice}]

    # The check-in's history shows it, with the way back to the alert; from the check-in, the
    # community's no_news alerts can be linked too (linking again changes nothing).
    await page.get_by_role("link", name="Voir la veille de Odette Lambert").click()
    history = page.locator(".history-item").first
    await expect(history).to_contain_text("Alerte « pas de nouvelles » liée")
    await expect(history.get_by_role("link", name="Voir l'alerte")).to_have_attribute("href", f"#/alertes/{alert['id']}")
    await page.get_by_role("button", name="Choisir l'alerte").click()
    await page.locator("[data-link-alerts]").get_by_role("button", name="Lier à cette veille").click()
    await expect(page.get_by_text("L'alerte « Volets fermés chez Odette » est liée à la veille.")).to_be_visible()
    assert await CheckinEvent.count().where(CheckinEvent.type == "alert_linked") == 1
    await page.screenshot(path=f"{SHOTS}/checkins-link-alert.png", full_page=True)
    assert not page.errors, page.errors


async def test_the_person_accepts_the_check_in_a_referent_set_up_for_her(fx_page, fx_street, fx_live_api):
    n = fx_street.n
    jeanne = await fx_live_api(Street.JEANNE)
    created = await jeanne.request("POST", f"/api/v1/communities/{n.community}/checkins", json={
        "person_id": n.odette, "watcher_ids": [n.alice, fx_street.bruno], "check_time": "09:00",
        "note": "Clés chez Alice.", "consent": {"method": "oral"}})
    assert created.status_code == 201, created.text
    checkin_id = created.json()["id"]
    assert created.json()["person"]["phone"] is None  # her directory settings hide it from referents

    page = fx_page
    await browser_login(page.context, Neighbours.ODETTE)
    await page.goto("/#/veille")
    screen = page.locator(f'[data-checkin-id="{checkin_id}"]')
    await expect(screen.get_by_role("heading", name="Une veille solidaire pour vous ?")).to_be_visible()
    await expect(screen).to_contain_text("Jeanne Leroy propose que des voisins veillent sur vous : chaque jour à 09:00")
    await expect(screen).to_contain_text("Alice Martin")
    await expect(screen).to_contain_text("Bruno Petit")
    await expect(screen).to_contain_text("ainsi que les référents du quartier Les Tilleuls.")
    await expect(screen).to_contain_text("+33611000002")  # exactly what they would see
    await expect(screen).to_contain_text("12 rue des Tilleuls")
    await expect(screen).to_contain_text("Clés chez Alice.")
    await page.screenshot(path=f"{SHOTS}/checkins-confirm.png", full_page=True)
    await screen.get_by_role("button", name="J'accepte").click()
    await expect(page.get_by_text("Merci ! Votre veille est acceptée")).to_be_visible()
    await expect(page.get_by_text("La veille commencera quand 2 voisins auront accepté (0 pour l'instant).")).to_be_visible()
    row = await Checkin.select(Checkin.person_confirmation, Checkin.confirmed_via).where(Checkin.id == checkin_id).first()
    assert row == {"person_confirmation": "confirmed", "confirmed_via": "app"}
    seen = (await jeanne.request("GET", f"/api/v1/solidarity/checkins/{checkin_id}")).json()
    assert seen["person"]["phone"] == "+33611000002"  # what she agreed to share
    assert not page.errors, page.errors
