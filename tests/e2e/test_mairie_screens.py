"""Every mairie screen at phone size (screenshots in /tmp/vigie-screens) and at 200 % zoom (a
195 px wide viewport): nothing may need sideways scrolling, except inside a table; a member is
kept out of the staff screens, and the API refuses them too."""

from __future__ import annotations

from playwright.async_api import expect

from backend.communities.tables import Commune, Membership
from backend.mairie.tables import Acknowledgement
from tests.e2e.conftest import browser_login, person_page
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401
from tests.e2e.test_screens import OVERFLOW

STAFF_SCREENS = {
    "mairie-home": ("/#/mairie", "Espace mairie"),
    "mairie-compose": ("/#/mairie/diffusion", "Diffuser une annonce"),
    "mairie-broadcasts": ("/#/mairie/diffusions", "Annonces envoyées"),
    "mairie-safety": ("/#/mairie/verification", "Tout va bien ?"),
    "mairie-dashboard": ("/#/mairie/tableau-de-bord", "Tableau de bord"),
    "mairie-inbox": ("/#/mairie/signalements", "Signalements"),
    "mairie-signage": ("/#/mairie/panneaux", "Panneaux"),
}


async def some_activity(town: Town, as_user) -> dict[str, int]:
    """A sent broadcast, an open safety check, a forwarded alert and a signage order."""
    staff = await as_user(Town.STAFF)
    sent = await staff.request("POST", f"/api/v1/communes/{town.commune}/broadcasts", json={
        "category": "voirie", "severity": "information", "title": "Travaux rue de la Poste",
        "body": "La rue de la Poste est fermée du 2 au 6 décembre. Déviation par le quai.",
        "link": "https://www.bellerive.example/travaux"})
    assert sent.status_code == 201, sent.text
    check = await staff.request("POST", f"/api/v1/communes/{town.commune}/safety-checks",
                                json={"question": "Tout va bien après la tempête ?", "channels": ["push"]})
    assert check.status_code == 201, check.text
    referent = await as_user(Town.REFERENT)
    order = await referent.request("POST", f"/api/v1/communities/{town.tilleuls}/signage-orders", json={
        "model": "panneau_rue", "quantity": 4, "delivery_address": "3 place de l'Église, 45100 Bellerive-sur-Loire",
        "subsidised": True})
    assert order.status_code == 201, order.text
    odette = await as_user(Town.ODETTE)
    alert = await odette.post_alert(town.tilleuls, "key-screens-mairie1", notify_mairie=True, notify_police=True,
                                    title="Voiture fouillée rue des Lilas")
    return {"broadcast": sent.json()["id"], "check": check.json()["id"], "order": order.json()["id"], "alert": alert["id"]}


async def test_mairie_screens_fit_a_phone_and_200_percent_zoom(fx_page, fx_town, fx_live_api):
    ids = await some_activity(fx_town, fx_live_api)
    page = fx_page
    await browser_login(page.context, Town.STAFF)
    for name, (path, heading) in STAFF_SCREENS.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True, level=1)).to_be_visible()
        await expect(page.locator(".loading")).to_have_count(0)
        await page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
        assert await page.evaluate(OVERFLOW) == [], name

    # The inbox: acknowledge the forwarded alert with a note for its author.
    await page.goto("/#/mairie/signalements")
    card = page.locator(f'[data-alert-id="{ids["alert"]}"]')
    await expect(card).to_contain_text("Transmise à : la mairie, la gendarmerie / police")
    await card.get_by_label("Note pour l'auteur (facultatif)").fill("La police municipale passe ce soir.")
    await card.get_by_role("button", name="Accuser réception").click()
    await expect(page.get_by_text("Réception confirmée pour « Voiture fouillée rue des Lilas »")).to_be_visible()
    ack = await Acknowledgement.select(Acknowledgement.note).where(Acknowledgement.alert == ids["alert"]).first()
    assert ack == {"note": "La police municipale passe ce soir."}
    # The police contact, and Odette appointed referent of Les Tilleuls by her account number.
    await page.get_by_label("Adresse e-mail du référent").fill("gendarmerie.bellerive@example.fr")
    await page.get_by_role("button", name="Enregistrer le contact").click()
    await expect(page.get_by_text("Contact actuel : gendarmerie.bellerive@example.fr")).to_be_visible()
    assert (await Commune.select(Commune.police_email).first())["police_email"] == "gendarmerie.bellerive@example.fr"
    await page.get_by_label("Quartier", exact=True).select_option(label="Les Tilleuls")
    await page.get_by_label("Numéro de compte de la personne").fill(str(fx_town.users["odette"]))
    await page.get_by_role("button", name="Nommer référent").click()
    await expect(page.get_by_text("C'est fait : la personne est référente des Tilleuls.")).to_be_visible()
    role = await Membership.select(Membership.role).where(Membership.user == fx_town.users["odette"]).first()
    assert role == {"role": "referent"}
    # Signage: the referent's request is accepted, subsidised.
    await page.goto("/#/mairie/panneaux")
    order = page.locator(f'[data-order-id="{ids["order"]}"]')
    await expect(order).to_contain_text("Demandée")
    await order.get_by_role("button", name="Accepter").click()
    await expect(order).to_contain_text("Acceptée")

    await page.set_viewport_size({"width": 195, "height": 422})
    for name, (path, heading) in STAFF_SCREENS.items():
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True, level=1)).to_be_visible()
        await expect(page.locator(".loading")).to_have_count(0)
        assert await page.evaluate(OVERFLOW) == [], f"{name} at 200 %"
    await page.screenshot(path=f"{SHOTS}/mairie-dashboard-zoom200.png", full_page=True)
    assert not page.errors, page.errors


async def test_referent_admin_and_member_screens(fx_browser, fx_server, fx_town, fx_live_api):
    ids = await some_activity(fx_town, fx_live_api)
    screens = [
        (Town.REFERENT, "mairie-signage-referent", "/#/mairie/panneaux", "Panneaux"),
        (Town.ADMIN, "mairie-journal", "/#/admin/journal", "Journal d'audit"),
        (Town.ODETTE, "mairie-broadcast", f"/#/mairie/{ids['broadcast']}", "Travaux rue de la Poste"),
        (Town.ODETTE, "mairie-check", f"/#/mairie/controle/{ids['check']}", "Tout va bien après la tempête ?"),
    ]
    for email, name, path, heading in screens:
        async with person_page(fx_browser, fx_server, email) as page:
            await page.goto(path)
            await expect(page.get_by_role("heading", name=heading, exact=True, level=1)).to_be_visible()
            await expect(page.locator(".loading")).to_have_count(0)
            await page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
            assert await page.evaluate(OVERFLOW) == [], name
            if name == "mairie-check":
                await expect(page.get_by_role("button", name="Tout va bien")).to_be_visible()
                await page.goto("/#/admin/journal")
                await expect(page.get_by_text("Cette page est réservée aux administrateurs de Vigie.")).to_be_visible()
            assert not page.errors, page.errors


async def test_a_member_cannot_open_the_mairie_screens_and_the_api_refuses_them(fx_page, fx_town, fx_live_api):
    page = fx_page
    await browser_login(page.context, Town.ODETTE)
    await page.goto("/#/")
    await expect(page.get_by_role("heading", name="Bienvenue dans Les Tilleuls")).to_be_visible()
    await expect(page.get_by_role("link", name="Ouvrir l'espace mairie")).to_have_count(0)
    for path in ["/#/mairie", "/#/mairie/diffusion", "/#/mairie/tableau-de-bord", "/#/mairie/verification"]:
        await page.goto(path)
        await expect(page.get_by_text("Cette page est réservée au personnel de la mairie.")).to_be_visible()
        await expect(page.get_by_role("link", name="Retour à l'accueil")).to_be_visible()
    await page.screenshot(path=f"{SHOTS}/mairie-refused.png", full_page=True)

    odette = await fx_live_api(Town.ODETTE)
    commune = fx_town.commune
    for method, path, body in [
        ("GET", f"/api/v1/communes/{commune}/dashboard", None),
        ("GET", f"/api/v1/communes/{commune}/broadcasts", None),
        ("POST", f"/api/v1/communes/{commune}/broadcasts/preview", {"category": "meteo", "severity": "information", "title": "Orage", "body": "Orage ce soir."}),
        ("POST", f"/api/v1/communes/{commune}/broadcasts", {"category": "meteo", "severity": "information", "title": "Orage", "body": "Orage ce soir."}),
        ("POST", f"/api/v1/communes/{commune}/safety-checks", {}),
        ("GET", f"/api/v1/communes/{commune}/dashboard.csv?table=communities", None),
        ("GET", "/api/v1/audit", None),
    ]:
        response = await odette.request(method, path, json=body)
        assert response.status_code == 403, (path, response.status_code, response.text)
    assert not page.errors, page.errors
