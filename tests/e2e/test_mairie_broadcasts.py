"""Mairie broadcasts in Chromium: staff compose one, read the SMS estimate and the budget, send
it and find it in the list; the budget refusal; an « urgence » asks for a confirmation; a
resident finds it on their home page."""

from __future__ import annotations

import re

from playwright.async_api import expect

from backend.mairie.area import set_budget
from backend.mairie.tables import Broadcast
from tests.e2e.conftest import browser_login
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401


async def fill_broadcast(page, *, category: str, severity: str, title: str, body: str) -> None:
    await page.get_by_label("Sujet").select_option(label=category)
    await page.get_by_label(severity, exact=True).check()
    await page.get_by_label("Titre", exact=True).fill(title)
    await page.get_by_label("Message", exact=True).fill(body)


async def test_staff_composes_a_vigilance_broadcast_sees_the_estimate_and_sends_it(fx_page, fx_town):
    page = fx_page
    await browser_login(page.context, Town.STAFF)
    await page.goto("/#/")
    await page.get_by_role("link", name="Ouvrir l'espace mairie").click()
    await expect(page.get_by_role("heading", name="Espace mairie", exact=True)).to_be_visible()
    await expect(page.get_by_text("Mairie de Bellerive-sur-Loire")).to_be_visible()
    await expect(page.locator('[data-figure="verified"] .mairie-figure-value')).to_have_text("4")
    await page.screenshot(path=f"{SHOTS}/mairie-home.png", full_page=True)

    await page.get_by_role("link", name=re.compile("^Diffuser une annonce")).click()
    await expect(page.get_by_role("heading", name="Diffuser une annonce")).to_be_visible()
    await fill_broadcast(page, category="Inondation", severity="Vigilance", title="Crue de la Loire",
                         body="Le niveau monte : évitez les berges et les parkings du quai.")
    # Vigilance brings its default channels (notifications and e-mail); SMS is added by hand.
    await expect(page.get_by_label("Notifications", exact=True)).to_be_checked()
    await expect(page.get_by_label("E-mail", exact=True)).to_be_checked()
    await expect(page.get_by_label("SMS", exact=True)).not_to_be_checked()
    await page.get_by_label("SMS", exact=True).check()
    await page.get_by_role("button", name="Vérifier avant l'envoi").click()

    preview = page.locator(".mairie-preview")
    await expect(preview.get_by_role("heading", name="Avant l'envoi")).to_be_visible()
    await expect(preview).to_contain_text("Personnes dans la zone")
    await expect(preview.locator("dd").first).to_have_text("4")
    # Only Alice takes SMS (vigilance respects each person's choices): 1 × segments.
    await expect(preview.locator(".mairie-sms-cost")).to_have_text(
        re.compile(r"Coût SMS estimé : 1 destinataire × [12] SMS = [12] SMS"))
    await expect(preview.locator(".mairie-sms-text")).to_contain_text("MAIRIE Bellerive-sur-Loire")
    await expect(preview).to_contain_text("illimité")
    await page.screenshot(path=f"{SHOTS}/mairie-compose-preview.png", full_page=True)

    await preview.get_by_role("button", name="Envoyer l'annonce").click()
    await expect(page.get_by_role("heading", name="Annonces envoyées")).to_be_visible()
    await expect(page.get_by_text("C'est parti : votre annonce est envoyée.")).to_be_visible()
    rows = await Broadcast.select(Broadcast.id, Broadcast.severity, Broadcast.category, Broadcast.channels,
                                  Broadcast.status, Broadcast.title, Broadcast.all_communities)
    assert len(rows) == 1
    row = rows[0]
    assert (row["severity"], row["category"], row["status"], row["title"], row["all_communities"]) == (
        "vigilance", "inondation", "sent", "Crue de la Loire", True)
    assert set(row["channels"].split(",")) == {"push", "email", "sms"}
    card = page.locator(f'[data-broadcast-id="{row["id"]}"]')
    await expect(card).to_contain_text("Crue de la Loire")
    await expect(card).to_contain_text("Vigilance")
    await expect(card).to_contain_text("Envoyée")
    await expect(card.get_by_role("button", name="Fin d'alerte")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/mairie-broadcasts.png", full_page=True)

    # The all clear, from the list.
    await card.get_by_role("button", name="Fin d'alerte").click()
    await card.get_by_label("Message").fill("L'eau a baissé, les quais sont rouverts.")
    await card.get_by_role("button", name="Envoyer la fin d'alerte").click()
    await expect(page.get_by_text("La fin d'alerte est envoyée.")).to_be_visible()
    end = await Broadcast.select(Broadcast.followup, Broadcast.parent, Broadcast.title).where(Broadcast.id != row["id"]).first()
    assert end == {"followup": "end", "parent": row["id"], "title": "Fin d'alerte : Crue de la Loire"}
    assert not page.errors, page.errors


async def test_an_sms_broadcast_over_the_budget_is_refused_before_sending(fx_page, fx_town):
    await set_budget(fx_town.commune, 1)
    page = fx_page
    await browser_login(page.context, Town.STAFF)
    await page.goto("/#/mairie/diffusion")
    await fill_broadcast(page, category="Coupure d'eau ou d'électricité", severity="Urgence",
                         title="Coupure d'eau rue des Lilas", body="L'eau est coupée jusqu'à 18 h. Des bouteilles sont à la mairie.")
    await expect(page.get_by_label("SMS", exact=True)).to_be_checked()  # urgence: push, SMS, e-mail
    await page.get_by_role("button", name="Vérifier avant l'envoi").click()
    preview = page.locator(".mairie-preview")
    await expect(preview.get_by_role("alert")).to_contain_text("Budget SMS dépassé")
    await expect(preview.get_by_role("alert")).to_contain_text("il en reste 1 sur 1")
    await expect(preview.get_by_role("button")).to_have_count(0)
    await page.screenshot(path=f"{SHOTS}/mairie-compose-over-budget.png", full_page=True)

    # Without SMS, the same urgence passes, after a confirmation.
    await page.get_by_label("SMS", exact=True).uncheck()
    await expect(page.get_by_text("Vous avez modifié l'annonce")).to_be_visible()
    await page.get_by_role("button", name="Vérifier avant l'envoi").click()
    await expect(preview.locator(".mairie-sms-cost")).to_have_text("Pas de SMS pour cette annonce : elle ne coûte rien.")
    await preview.get_by_role("button", name="Envoyer l'alerte urgente…").click()
    await expect(preview.get_by_text("Vous allez envoyer une alerte URGENTE à 4 personnes")).to_be_visible()
    assert await Broadcast.count() == 0
    await preview.get_by_role("button", name="Oui, envoyer l'alerte urgente").click()
    await expect(page.get_by_text("C'est parti : votre annonce est envoyée.")).to_be_visible()
    row = await Broadcast.select(Broadcast.severity, Broadcast.channels, Broadcast.status).first()
    assert row == {"severity": "urgence", "channels": "push,email", "status": "sent"}

    # A resident sees it on top of their home page, and opens it.
    await page.context.clear_cookies()
    await browser_login(page.context, Town.ODETTE)
    await page.goto("/#/")
    await page.reload()  # a new session: the app reads who is logged in at start
    urgent = page.locator(".mairie-home-top .mairie-broadcast--urgence")
    await expect(urgent).to_contain_text("Coupure d'eau rue des Lilas")
    await expect(urgent).to_contain_text("Mairie de Bellerive-sur-Loire")
    await page.screenshot(path=f"{SHOTS}/mairie-member-home.png", full_page=True)
    await urgent.get_by_role("link", name="Coupure d'eau rue des Lilas").click()
    await expect(page.get_by_role("heading", level=1, name="Coupure d'eau rue des Lilas")).to_be_visible()
    assert not page.errors, page.errors
