"""The official list of communes (INSEE COG), imported from the extract shipped in the repository."""

from __future__ import annotations

import gzip
from pathlib import Path

from backend.communities.official import COMMUNES_FILE, import_communes, read_list
from backend.communities.tables import Commune, OfficialCommune
from backend.demo import make_commune


async def test_the_real_list_imports_once_and_again_changes_nothing(api, fx_settings):
    first = await import_communes()
    assert (first.total, first.added, first.updated, first.removed) == (34969, 34969, 0, 0)
    assert await OfficialCommune.count() == 34969
    again = await import_communes()
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 34969, 0)
    assert await OfficialCommune.count() == 34969

    anonymous = api()

    async def search(q: str) -> list[dict]:
        response = await anonymous.get("/api/v1/communes/official", params={"q": q})
        assert response.status_code == 200, response.text
        return response.json()

    paris = (await search("paris"))[0]
    assert (paris["insee_code"], paris["name"], paris["departement"], paris["departement_name"]) == (
        "75056", "Paris", "75", "Paris")
    assert len(paris["postal_codes"]) == 21 and "75116" in paris["postal_codes"] and paris["population"] > 2_000_000
    lille = (await search("Lille"))[0]
    assert (lille["insee_code"], lille["departement_name"]) == ("59350", "Nord")
    assert {"59000", "59160", "59260", "59777", "59800"} == set(lille["postal_codes"])  # several postal codes
    # Accents, case and hyphens do not matter; the name comes back as written.
    evry = await search("evry courcouronnes")
    assert [c["name"] for c in evry] == ["Évry-Courcouronnes"] and evry[0]["insee_code"] == "91228"
    assert (await search("SAINT-ÉTIENNE"))[0]["insee_code"] == "42218"
    # By postal code: every commune sharing it (prefix from 2 digits), the most populated first.
    by_code = await search("45100")
    assert by_code[0]["name"] == "Orléans"
    assert all(any(code.startswith("45100") for code in c["postal_codes"]) for c in by_code)
    ajaccio = (await search("Ajaccio"))[0]
    assert (ajaccio["insee_code"], ajaccio["departement"], ajaccio["departement_name"]) == ("2A004", "2A", "Corse-du-Sud")
    short = await anonymous.get("/api/v1/communes/official", params={"q": "é"})
    assert short.status_code == 400 and short.json()["code"] == "query_too_short"


async def test_a_new_list_updates_and_never_deletes_a_commune_in_use(fx_settings, tmp_path: Path):
    keep = {"45234", "45235", "59350", "01001"}  # Orléans, Ormes, Lille, L'Abergement-Clémenciat
    await import_communes(only=keep)
    orleans = await make_commune("Orléans", "45234", "45000")  # opened on Vigie before the list was refreshed
    lille = await make_commune("Lille", "59350", "59000")

    rows = [r for r in read_list(COMMUNES_FILE) if r[0] in keep]
    changed = []
    for code, name, departement, codes, population in rows:
        if code == "45234":
            changed.append((code, "Orléans-la-Source", departement, "45000,45100,45999", population + 1))
        elif code in ("45235", "59350"):  # both gone from the new list; Lille is used on Vigie
            continue
        else:
            changed.append((code, name, departement, codes, population))
    new_file = tmp_path / "communes.tsv.gz"
    with gzip.open(new_file, "wt", encoding="utf-8") as f:
        f.write("# a later list\n" + "".join("\t".join(map(str, r)) + "\n" for r in changed))

    report = await import_communes(new_file)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 1, 1)
    assert report.kept_in_use == ["59350"] and report.vigie_communes_updated == 1
    assert not await OfficialCommune.exists().where(OfficialCommune.insee_code == "45235")
    assert await OfficialCommune.exists().where(OfficialCommune.insee_code == "59350")  # in use: kept
    row = await Commune.select().where(Commune.id == orleans).first()
    assert (row["name"], row["postal_codes"], row["departement"]) == ("Orléans-la-Source", "45000,45100,45999", "45")
    assert (await Commune.select(Commune.name).where(Commune.id == lille).first())["name"] == "Lille"
