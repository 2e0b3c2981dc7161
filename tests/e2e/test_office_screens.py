"""Office screens for appointing by name and for reports (issue 14 item 6e): the mairie's staff
create a neighbourhood and appoint a referent by searching a name; an admin adds a commune,
appoints a moderator and a town hall agent by name; a moderator handles a reported Gazette post and
a reported conversation. No numeric id is ever typed."""

from __future__ import annotations

from playwright.async_api import expect

from backend.auth.tables import User
from backend.communities.official import import_communes
from backend.communities.tables import Commune, Community, MairieStaff, Membership
from backend.gazette.tables import GazettePost
from backend.messages.tables import ConversationReport
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import browser_login, collect_errors
from tests.e2e.mairie_town import SHOTS, Town, fx_town  # noqa: F401
from tests.e2e.test_mairie_office import LAPTOP, laptop_page
from tests.e2e.test_zoom_200 import ZOOM_200, layout_faults


async def test_staff_create_a_neighbourhood_and_appoint_a_referent_by_name(fx_browser, fx_server, fx_town):
    async with laptop_page(fx_browser, fx_server, Town.STAFF) as page:
        await page.goto("/#/mairie")
        await page.get_by_role("link", name="Quartiers et responsables").click()
        await expect(page.get_by_role("heading", name="Quartiers et responsables", level=1)).to_be_visible()
        await expect(page.locator(".mairie-communities li")).to_have_text(["Centre-Bourg", "Les Tilleuls"])
        # Staff have no platform-wide search: no town hall agent to appoint here.
        await expect(page.get_by_role("heading", name="Nommer un agent de la mairie")).to_have_count(0)

        referent = page.locator("section", has=page.get_by_role("heading", name="Nommer un référent"))
        await referent.get_by_label("Quartier").select_option(label="Centre-Bourg")
        await referent.get_by_label("Nom ou prénom").fill("petit")
        await referent.get_by_role("button", name="Chercher").click()
        hit = referent.locator(".person-hit")
        await expect(hit).to_have_count(1)
        await expect(hit).to_contain_text("Bernard Petit")
        await expect(hit).to_contain_text("Quartiers : Centre-Bourg")
        await hit.get_by_role("button", name="Nommer référent de Centre-Bourg").click()
        await expect(referent).to_contain_text("Bernard Petit est maintenant référent de Centre-Bourg.")
        role = await Membership.select(Membership.role).where(
            (Membership.user == fx_town.users["bernard"]) & (Membership.community == fx_town.bourg)).first()
        assert role == {"role": "referent"}
        # Alice lives in Les Tilleuls: the API refuses her for Centre-Bourg, and the screen says why.
        await referent.get_by_label("Nom ou prénom").fill("Alice")
        await referent.get_by_role("button", name="Chercher").click()
        await expect(referent.locator(".person-hit")).to_contain_text("Alice Martin")  # not Bernard's hit, still shown
        await referent.locator(".person-hit").get_by_role("button", name="Nommer référent de Centre-Bourg").click()
        await expect(referent).to_contain_text("Seul un membre vérifié du quartier peut devenir référent.")

        create = page.locator("section", has=page.get_by_role("heading", name="Créer un quartier"))
        await create.get_by_label("Nom du quartier").fill("Les Acacias")
        await create.get_by_label("Latitude du centre").fill("47,902")
        await create.get_by_label("Longitude du centre").fill("1.909")
        await create.get_by_label("Rayon en mètres").fill("600")
        await create.get_by_role("button", name="Créer le quartier").click()
        await expect(create).to_contain_text("Quartier « Les Acacias » créé.")
        await expect(page.locator(".mairie-communities li")).to_have_text(
            ["Centre-Bourg", "Les Tilleuls", "Les Acacias"])
        row = await Community.select(Community.commune, Community.radius_m).where(
            Community.name == "Les Acacias").first()
        assert row == {"commune": fx_town.commune, "radius_m": 600}
        await page.screenshot(path=f"{SHOTS}/mairie-organisation.png", full_page=True)
        assert not page.errors, page.errors


async def test_admin_adds_a_commune_and_appoints_a_moderator_and_an_agent_by_name(fx_browser, fx_server, fx_town):
    await import_communes(only={"45286", "45234"})  # the official list: Saint-Jean-le-Blanc and Orléans
    async with laptop_page(fx_browser, fx_server, Town.ADMIN) as page:
        await page.goto("/#/mairie")
        await page.get_by_role("link", name="Communes et modérateurs").click()
        await expect(page.get_by_role("heading", name="Communes et modérateurs", level=1)).to_be_visible()
        # Picked from the official list by postal code, never typed.
        await page.get_by_label("Commune : nom ou code postal").fill("45650")
        await page.get_by_role("button", name="Trouver la commune").click()
        hits = page.locator(".commune-hit")
        await expect(hits).to_have_count(1)
        await expect(hits.first).to_contain_text("Loiret (45)")
        await page.get_by_role("button", name="Ajouter Saint-Jean-le-Blanc").click()
        await expect(page.get_by_text("Commune « Saint-Jean-le-Blanc » ajoutée.")).to_be_visible()
        assert await Commune.exists().where((Commune.insee_code == "45286") & (Commune.name == "Saint-Jean-le-Blanc")
                                            & (Commune.departement == "45"))

        await page.get_by_label("Nom ou prénom").fill("lambert")
        await page.get_by_role("button", name="Chercher").click()
        hit = page.locator(".person-hit")
        await expect(hit).to_have_count(1)
        await expect(hit).to_contain_text("Odette Lambert")
        await hit.get_by_role("button", name="Nommer modérateur").click()
        await expect(page.get_by_text("Odette Lambert est maintenant modérateur.")).to_be_visible()
        assert (await User.select(User.is_moderator).where(User.id == fx_town.users["odette"]).first())["is_moderator"]
        await page.screenshot(path=f"{SHOTS}/admin-platform.png", full_page=True)

        await page.goto(f"/#/mairie/organisation?commune={fx_town.commune}")
        agent = page.locator("section", has=page.get_by_role("heading", name="Nommer un agent de la mairie"))
        await agent.get_by_label("Nom ou prénom").fill("Martin")
        await agent.get_by_role("button", name="Chercher").click()
        alice = agent.locator(".person-hit", has_text="Alice Martin")
        await alice.get_by_role("button", name="Nommer agent de la mairie").click()
        await expect(agent).to_contain_text("Alice Martin est maintenant agent de la mairie.")
        assert await MairieStaff.exists().where(
            (MairieStaff.user == fx_town.users["alice"]) & (MairieStaff.commune == fx_town.commune))
        assert not page.errors, page.errors


async def test_moderator_handles_a_reported_post_and_a_reported_conversation(fx_browser, fx_server, fx_town,
                                                                            fx_live_api):
    alice, odette = await fx_live_api(Town.ALICE), await fx_live_api(Town.ODETTE)
    r = await alice.request("POST", f"/api/v1/communities/{fx_town.tilleuls}/gazette", json={
        "kind": "classified", "title": "Chiots à vendre", "body": "Sans papiers, 50 € pièce.", "price_cents": 5000})
    assert r.status_code == 201, r.text
    post = r.json()["id"]
    r = await odette.request("POST", f"/api/v1/gazette/posts/{post}/report", json={"reason": "Vente d'animaux"})
    assert r.status_code in (200, 201), r.text
    r = await alice.request("POST", f"/api/v1/communities/{fx_town.tilleuls}/conversations",
                            json={"participant_ids": [fx_town.users["odette"]], "title": ""})
    assert r.status_code in (200, 201), r.text
    conversation = r.json()["id"]
    r = await alice.request("POST", f"/api/v1/messages/conversations/{conversation}/messages",
                            json={"body": "Tu vas le regretter."}, headers={"Idempotency-Key": "office-1"})
    assert r.status_code == 201, r.text
    r = await odette.request("POST", f"/api/v1/messages/conversations/{conversation}/report",
                             json={"reason": "Menaces"})
    assert r.status_code == 201, r.text

    async with laptop_page(fx_browser, fx_server, Town.ADMIN) as page:
        await page.goto("/#/moderation")
        await page.get_by_role("link", name="Publications et conversations signalées").click()
        heading = page.get_by_role("heading", name="Signalements de la Gazette et des conversations")
        await expect(heading).to_be_visible()
        card = page.locator(f'[data-post-id="{post}"]')
        await expect(card).to_contain_text("Chiots à vendre")
        await expect(card).to_contain_text("Signalé par Odette Lambert : « Vente d'animaux »")
        await card.get_by_role("button", name="Retirer la publication").click()
        await card.get_by_label("Raison du retrait (l'auteur la verra)").fill("Vente d'animaux interdite")
        await card.get_by_role("button", name="Retirer", exact=True).click()
        await expect(page.get_by_text("Publication retirée.")).to_be_visible()
        await expect(page.get_by_text("Aucune publication signalée.")).to_be_visible()
        status = await GazettePost.select(GazettePost.status).where(GazettePost.id == post).first()
        assert status == {"status": "removed"}

        talk = page.locator(".report-card[data-report-id]")
        await expect(talk).to_contain_text("Participants : ")
        await expect(talk).to_contain_text("« Menaces »")
        await talk.get_by_role("button", name="Lire la conversation").click()
        await expect(talk).to_contain_text("Tu vas le regretter.")
        await expect(talk).to_contain_text("Votre lecture est inscrite au journal de modération.")
        await page.screenshot(path=f"{SHOTS}/moderation-reports.png", full_page=True)
        await talk.get_by_label("Note de clôture (facultatif)").fill("Auteur averti")
        await talk.get_by_role("button", name="Clore le signalement").click()
        await expect(page.get_by_text("Signalement clos.")).to_be_visible()
        assert (await ConversationReport.select(ConversationReport.state, ConversationReport.note).first()) == {
            "state": "closed", "note": "Auteur averti"}
        assert not page.errors, page.errors


async def test_admin_screens_pass_axe_and_keep_words_whole_at_200_percent_zoom(fx_browser, fx_server, fx_town):
    """The admin's screens (the staff's and moderators' are in the axe and 200 % walks)."""
    paths = ["/#/admin/communes", f"/#/mairie/organisation?commune={fx_town.commune}"]
    for options in (LAPTOP, ZOOM_200):
        context = await fx_browser.new_context(base_url=fx_server.url, **options)
        page = await context.new_page()
        errors = collect_errors(page)
        await browser_login(context, Town.ADMIN)
        faults = []
        for path in paths:
            await page.goto(path)
            await expect(page.locator("main h1").first).to_be_visible()
            await expect(page.locator("main .loading")).to_have_count(0)
            await page.wait_for_load_state("networkidle")
            faults += [f"{path} {line}" for line in await serious_violations(page)]
            if options is ZOOM_200:
                faults += [f"{path} at 200 %: {fault}" for fault in await layout_faults(page)]
        assert not faults, "\n".join(faults)
        assert not errors, errors
        await context.close()
