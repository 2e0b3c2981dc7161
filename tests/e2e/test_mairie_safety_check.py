"""« Tout va bien ? » in Chromium: staff open a check for one community, a resident answers with
one tap on their home page, and the staff screen's counts and lists follow live."""

from __future__ import annotations

from playwright.async_api import expect

from backend.mairie.tables import SafetyAnswer, SafetyCheck
from tests.e2e.conftest import browser_login, person_page
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401


def count(page, key: str):
    return page.locator(f'[data-count="{key}"] .mairie-figure-value')


async def test_member_answers_with_one_tap_and_the_staff_counts_update_live(fx_page, fx_browser, fx_server, fx_town,
                                                                          fx_live_api):
    # Odette shows her phone to referents in the directory; Jeanne keeps the default (« personne »).
    shown = await (await fx_live_api(Town.ODETTE)).request("PATCH", "/api/v1/directory/me",
                                                           json={"phone_visibility": "referents"})
    assert shown.status_code == 200, shown.text
    staff = fx_page
    await browser_login(staff.context, Town.STAFF)
    await staff.goto("/#/mairie/verification")
    await expect(staff.get_by_role("heading", name="Lancer une vérification")).to_be_visible()
    await expect(staff.get_by_label("Question posée")).to_have_value("Tout va bien ?")
    await staff.get_by_label("Certains quartiers seulement").check()
    await staff.get_by_role("button", name="Envoyer la question").click()  # no community ticked yet
    await expect(staff.get_by_text("Cochez au moins un quartier, ou choisissez toute la commune.")).to_be_visible()
    await staff.get_by_label("Les Tilleuls").check()
    await staff.get_by_role("button", name="Envoyer la question").click()

    await expect(staff.get_by_role("heading", name="Tout va bien ?", level=2)).to_be_visible()
    await expect(count(staff, "total")).to_have_text("3")  # Odette, Alice, Jeanne (Les Tilleuls)
    await expect(count(staff, "pending")).to_have_text("3")
    await expect(count(staff, "ok")).to_have_text("0")
    odette_row = staff.locator(f'.mairie-resident[data-user-id="{fx_town.users["odette"]}"]')
    await expect(odette_row.get_by_role("link", name="Appeler le +33612000001")).to_have_attribute("href", "tel:+33612000001")
    jeanne_row = staff.locator(f'.mairie-resident[data-user-id="{fx_town.users["referent"]}"]')
    await expect(jeanne_row).to_contain_text("Pas de numéro communiqué")
    await expect(jeanne_row.get_by_role("link")).to_have_count(0)
    check_id = (await SafetyCheck.select(SafetyCheck.id).first())["id"]

    # Odette, on her phone: the question is on her home page.
    async with person_page(fx_browser, fx_server, Town.ODETTE) as member:
        await member.goto("/#/")
        card = member.locator(f'.mairie-safety[data-check-id="{check_id}"]')
        await expect(card.get_by_role("heading", name="Tout va bien ?")).to_be_visible()
        await expect(card).to_contain_text("Question de la mairie de Bellerive-sur-Loire")
        await member.screenshot(path=f"{SHOTS}/mairie-safety-member.png", full_page=True)
        await card.get_by_role("button", name="Tout va bien").click()
        await expect(card.get_by_text("Merci, c'est noté : tout va bien.")).to_be_visible()
        await expect(card).to_contain_text("Votre réponse : tout va bien.")
        assert not member.errors, member.errors
    answer = await SafetyAnswer.select(SafetyAnswer.answer, SafetyAnswer.via).where(
        SafetyAnswer.user == fx_town.users["odette"]).first()
    assert answer == {"answer": "ok", "via": "app"}

    # The staff screen, without a reload.
    await expect(count(staff, "ok")).to_have_text("1", timeout=10_000)
    await expect(count(staff, "pending")).to_have_text("2")
    await expect(odette_row).to_have_count(0)

    alice = await fx_live_api(Town.ALICE)
    response = await alice.request("POST", f"/api/v1/safety-checks/{check_id}/answer",
                                   json={"answer": "help", "note": "Ma cave est inondée"})
    assert response.status_code == 200, response.text
    await expect(count(staff, "help")).to_have_text("1", timeout=10_000)
    helped = staff.locator(".mairie-resident").filter(has_text="Alice Martin")
    await expect(helped).to_contain_text("Message : Ma cave est inondée")
    await expect(helped.get_by_role("link", name="Appeler le +33612000002")).to_be_visible()
    await staff.screenshot(path=f"{SHOTS}/mairie-safety-staff.png", full_page=True)

    await staff.get_by_role("button", name="Terminer la vérification").click()
    await staff.get_by_role("button", name="Oui, terminer").click()
    await expect(staff.get_by_text("La vérification est terminée.")).to_be_visible()
    assert (await SafetyCheck.select(SafetyCheck.status).first())["status"] == "closed"
    await expect(staff.get_by_role("heading", name="Lancer une vérification")).to_be_visible()
    assert not staff.errors, staff.errors
