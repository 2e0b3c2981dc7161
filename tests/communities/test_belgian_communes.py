"""Belgian communes: the shipped list of the 581 communes (NIS codes, postal codes) beside the French
one; a commune is (country, code) everywhere, so a Belgian and a French commune with the same code are
two communes (NIS 21004 is Bruxelles, INSEE 21004 Aignay-le-Duc); the mairie application, the admins'
« ouvrir une commune », the searches, the map and sign-up carry the country."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backend.communities.official import import_communes, read_be_list, read_list
from backend.communities.tables import Commune, OfficialCommune
from backend.demo import make_commune, make_community
from tests.auth.test_signup_and_login import signup_body
from tests.builders import build_world
from tests.partnership.test_mairie_applications import application

BRUXELLES = "21004"  # NIS code of Bruxelles, INSEE code of Aignay-le-Duc (Côte-d'Or)


async def test_the_belgian_list_has_581_communes_with_nis_and_postal_codes(api, fx_app):
    report = await import_communes(country="BE")
    assert (report.total, report.added) == (581, 581) and len(read_be_list()) == 581
    assert (await import_communes(country="BE")).unchanged == 581  # again: nothing changes
    assert await OfficialCommune.count().where(OfficialCommune.country == "BE") == 581
    anonymous = api()

    async def search(q: str, **params) -> list[dict]:
        r = await anonymous.get("/api/v1/communes/official", params={"q": q, **params})
        assert r.status_code == 200, r.text
        return r.json()

    namur = (await search("Namur", country="BE"))[0]
    assert (namur["insee_code"], namur["name"], namur["country"], namur["country_name"]) == (
        "92094", "Namur", "BE", "Belgique")
    assert (namur["departement"], namur["departement_name"]) == ("NAM", "Namur")
    assert {"5000", "5100"} <= set(namur["postal_codes"]) and namur["population"] > 100_000
    # Flemish communes by their Dutch or French name; Brussels communes by either.
    assert (await search("Anvers", country="BE"))[0]["name"] == "Antwerpen"
    assert (await search("Antwerpen"))[0]["insee_code"] == "11002"
    assert (await search("Brussel", country="BE"))[0]["name"] == "Bruxelles / Brussel"
    # A Belgian postal code (4 digits) finds its commune.
    assert [c["name"] for c in await search("5000")][:1] == ["Namur"]
    bad = await anonymous.get("/api/v1/communes/official", params={"q": "Namur", "country": "NL"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_country"


async def test_a_belgian_and_a_french_commune_with_the_same_code_are_two_communes(api, fx_app, fx_password_hash):
    assert BRUXELLES in {r[0] for r in read_list()} and BRUXELLES in {r[0] for r in read_be_list()}
    await import_communes(only={BRUXELLES}, country="FR")
    await import_communes(only={BRUXELLES}, country="BE")
    w = await build_world(fx_password_hash)
    admin = await api.as_user(w.email("admin"))
    be = await admin.post("/api/v1/communes", {"insee_code": BRUXELLES, "country": "BE"})
    assert be.status_code == 201, be.text
    fr = await admin.post("/api/v1/communes", {"insee_code": BRUXELLES})  # France unless said otherwise
    assert fr.status_code == 201, fr.text
    assert be.json()["id"] != fr.json()["id"]
    assert (be.json()["name"], be.json()["country"], be.json()["postal_codes"][0]) == ("Bruxelles / Brussel", "BE", "1000")
    assert (fr.json()["name"], fr.json()["country"], fr.json()["postal_codes"]) == ("Aignay-le-Duc", "FR", ["21510"])
    again = await admin.post("/api/v1/communes", {"insee_code": BRUXELLES, "country": "BE"})
    assert again.status_code == 409 and again.json()["code"] == "commune_exists"
    assert {(r["country"], r["insee_code"]) for r in await Commune.select(Commune.country, Commune.insee_code).where(
        Commune.insee_code == BRUXELLES)} == {("BE", BRUXELLES), ("FR", BRUXELLES)}
    unknown = await admin.post("/api/v1/communes", {"insee_code": "99999", "country": "BE"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_nis"
    assert unknown.json()["detail"].startswith("Ce code NIS n'est pas dans la liste officielle des communes belges")
    invalid = await admin.post("/api/v1/communes", {"insee_code": "2A004", "country": "BE"})
    assert invalid.status_code == 400 and invalid.json()["code"] == "invalid_nis"
    # The public search of Vigie communes says which country each is in.
    hits = (await api().get("/api/v1/communes/search", params={"q": BRUXELLES})).json()
    assert sorted((h["country_name"], h["name"]) for h in hits) == [("Belgique", "Bruxelles / Brussel"),
                                                                     ("France", "Aignay-le-Duc")]
    only_be = (await api().get("/api/v1/communes/search", params={"q": BRUXELLES, "country": "BE"})).json()
    assert [h["id"] for h in only_be] == [be.json()["id"]]


async def test_a_belgian_mairie_applies_with_a_belgian_number_and_its_approval_opens_the_belgian_commune(
        api, fx_app, fx_password_hash, fx_mail):
    await import_communes(only={"92094"}, country="BE")
    await import_communes(only={"92094"} | {r[0] for r in read_list()[:1]}, country="FR")
    w = await build_world(fx_password_hash)
    r = await api().post("/api/v1/mairie-applications", application(
        "92094", country="BE", contact_phone="081 24 60 11", contact_email="secretariat@ville.namur.be"))
    assert r.status_code == 201, r.text
    assert r.json()["commune_name"] == "Namur"
    admin = await api.as_user(w.email("admin"))
    listed = (await admin.get("/api/v1/mairie-applications?status=pending")).json()
    assert [(a["commune_name"], a["insee_code"], a["country"], a["country_name"], a["contact_phone"])
            for a in listed] == [("Namur", "92094", "BE", "Belgique", "+3281246011")]  # read as a Belgian number
    approved = await admin.post(f"/api/v1/mairie-applications/{listed[0]['id']}/approve")
    assert approved.status_code == 200, approved.text
    opened = await Commune.select(Commune.country, Commune.name, Commune.departement).where(
        Commune.id == approved.json()["commune_id"]).first()
    assert opened == {"country": "BE", "name": "Namur", "departement": "NAM"}
    french = await api().post("/api/v1/mairie-applications", application("92094", contact_email="x@mairie.fr"))
    assert french.status_code == 400 and french.json()["code"] == "unknown_insee"  # no French commune 92094


async def test_sign_up_joins_a_belgian_neighbourhood_from_a_belgian_address_only(api, fx_app):
    await import_communes(only={"92094"}, country="BE")
    namur = (await Commune.insert(Commune(country="BE", insee_code="92094", name="Namur", postal_codes="5000,5100",
                                          departement="NAM")).returning(Commune.id))[0]["id"]
    quartier = await make_community(namur, "Jambes", lat=50.46, lon=4.87)
    hits = (await api().get("/api/v1/communities/search", params={"q": "5000"})).json()
    assert [(h["name"], h["country_name"]) for h in hits] == [("Jambes", "Belgique")]
    french = await api().post("/api/v1/auth/signup", signup_body(quartier))  # a French address, 45100
    assert french.status_code == 400 and french.json()["code"] == "country_mismatch", french.text
    assert "Belgique" in french.json()["detail"]
    belgian = await api().post("/api/v1/auth/signup", signup_body(
        quartier, country="BE", postal_code="5000", city="Namur", address_line1="12 rue de Fer",
        phone="0470 12 34 56", email="lien@example.be"))
    assert belgian.status_code == 201, belgian.text


def test_the_sqlite_rebuild_keeps_rows_ids_and_children_and_unique_per_country(tmp_path: Path):
    """The migration's SQLite path on an old-shaped file: a commune with a neighbourhood (ON DELETE
    CASCADE) keeps both; the code is then unique per country only."""
    import importlib

    migration = importlib.import_module("piccolo_migrations.vigie_2026_12_02t16_00_10_000000")
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            'CREATE TABLE "communes" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "insee_code" VARCHAR(10) '
            "UNIQUE NOT NULL DEFAULT '', \"name\" VARCHAR(120) NOT NULL DEFAULT '', \"country\" VARCHAR(2) NOT NULL "
            "DEFAULT 'FR');"
            'CREATE INDEX communes_name ON "communes" ("name");'
            'CREATE TABLE "official_communes" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "insee_code" '
            "VARCHAR(5) UNIQUE NOT NULL DEFAULT '', \"country\" VARCHAR(2) NOT NULL DEFAULT 'FR');"
            'CREATE TABLE "communities" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "commune" INTEGER '
            'REFERENCES "communes" ("id") ON DELETE CASCADE, "name" VARCHAR(120));'
            "INSERT INTO communes (id, insee_code, name) VALUES (7, '21004', 'Aignay-le-Duc');"
            "INSERT INTO communities (commune, name) VALUES (7, 'Le Bourg');")
    migration._sqlite(str(path))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        assert conn.execute("SELECT id, country, name FROM communes").fetchall() == [(7, "FR", "Aignay-le-Duc")]
        assert conn.execute("SELECT commune, name FROM communities").fetchall() == [(7, "Le Bourg")]
        conn.execute("INSERT INTO communes (insee_code, name, country) VALUES ('21004', 'Bruxelles', 'BE')")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO communes (insee_code, name, country) VALUES ('21004', 'Encore', 'BE')")
        assert "communes_name" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    migration._sqlite(str(path))  # again: nothing left to rebuild


async def test_the_public_map_lists_a_belgian_commune_under_its_province_with_its_country(api, fx_app, fx_settings):
    from backend.lib.valkey import make_client

    namur = await make_commune("Namur", "92094", "5000,5100", country="BE", departement="NAM")
    await make_community(namur, "Jambes", lat=50.46, lon=4.87)
    aignay = await make_commune("Aignay-le-Duc", BRUXELLES, "21510")  # French, the NIS code of Bruxelles
    await make_community(aignay, "Le Bourg", lat=47.66, lon=4.73)
    valkey = make_client(fx_settings.valkey_url)
    await valkey.delete("open:communes")  # the answer is cached server-side
    await valkey.aclose()
    body = (await api().get("/api/v1/open/communes")).json()
    listed = [(c["name"], c["country"], c["country_name"], c["departement"], c["x"] is None) for c in body["communes"]]
    assert listed == [("Aignay-le-Duc", "FR", "France", "21", False),  # France first, then Belgium
                      ("Namur", "BE", "Belgique", "NAM", True)]  # no point on the map of French départements
    assert {"code": "NAM", "name": "Namur", "communes": 1, "communities": 1} in body["departements"]
