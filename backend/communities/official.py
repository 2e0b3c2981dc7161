"""The official lists of communes, French (INSEE COG) and Belgian (NIS codes): import, search, lookup.

The lists ship in `backend/communities/data/` (see its LICENCE.md, scripts/extract_communes.py and
scripts/extract_communes_be.py); `vigie communes import` loads them into `official_communes`. A
Vigie commune (`communes`) is opened only from these lists, so a commune is never typed free-hand.
The two countries' codes collide (NIS 21004 Bruxelles, INSEE 21004 in Côte-d'Or): a commune is
(country, code) everywhere.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import msgspec

from backend.communities.perimeter import split_codes
from backend.communities.tables import COUNTRIES, Commune, OfficialCommune
from backend.lib import sql
from backend.lib.errors import DomainError
from backend.lib.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNES_FILE = DATA_DIR / "communes.tsv.gz"
BE_COMMUNES_FILE = DATA_DIR / "communes_be.tsv"
DEPARTEMENTS_FILE = DATA_DIR / "departements.tsv"
PROVINCES_FILE = DATA_DIR / "provinces_be.tsv"
LISTS = {"FR": COMMUNES_FILE, "BE": BE_COMMUNES_FILE}
_COLUMNS = ("country", "insee_code", "name", "search_name", "departement", "postal_codes", "population")
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
NIS_CODE = re.compile(r"^\d{5}$")


class OfficialCommuneOut(msgspec.Struct):
    insee_code: str  # the INSEE code (France) or the NIS code (Belgium)
    name: str
    departement: str  # a département (« 45 ») or a Belgian province (« NAM »)
    departement_name: str
    postal_codes: list[str]
    population: int
    country: str = "FR"  # FR | BE
    country_name: str = "France"


@dataclass(frozen=True)
class ImportReport:
    total: int
    added: int
    updated: int
    unchanged: int
    removed: int
    kept_in_use: list[str]  # codes gone from the list but used by a Vigie commune: never deleted
    vigie_communes_updated: int


def _lines(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]


def read_list(path: Path = COMMUNES_FILE) -> list[tuple[str, str, str, str, int]]:
    """(insee_code, name, departement, postal codes comma-separated, population) of every commune of the file."""
    return [(code, name, departement, codes, int(population or 0))
            for code, name, departement, codes, population in _lines(path)]


def read_be_list(path: Path = BE_COMMUNES_FILE) -> list[tuple[str, str, str, str, str, int]]:
    """(nis_code, name, the name in the other language or "", province, postal codes, population) of the
    Belgian list (scripts/extract_communes_be.py)."""
    return [(code, name, other, province, codes, int(population or 0))
            for code, name, other, province, codes, population in _lines(path)]


def _wanted(path: Path, country: str) -> list[tuple[str, str, str, str, str, str, int]]:
    """Rows as stored (_COLUMNS order): the search name folds both names of a Belgian commune."""
    if country == "BE":
        return [("BE", code, name, fold(f"{name} {other}".strip()), province, codes, population)
                for code, name, other, province, codes, population in read_be_list(path)]
    return [("FR", code, name, fold(name), departement, codes, population)
            for code, name, departement, codes, population in read_list(path)]


_departements: dict[str, str] = {}


def departement_names() -> dict[str, str]:
    """Code → name of every département (« 45 » → « Loiret ») and Belgian province (« NAM » → « Namur »)."""
    if not _departements:
        for path in (DEPARTEMENTS_FILE, PROVINCES_FILE):
            for line in path.read_text(encoding="utf-8").splitlines():
                code, name = line.split("\t")
                _departements[code] = name
    return _departements


async def import_communes(path: Path | None = None, only: set[str] | None = None,
                          country: str = "FR") -> ImportReport:
    """Load one country's official list (`vigie communes import` loads both): add new communes, update
    names, postal codes, départements/provinces and populations, remove that country's communes gone
    from the list unless a Vigie commune uses them. Idempotent.

    Batched: one read of the table, multi-row inserts; changed rows are deleted and inserted again
    (nothing references `official_communes` by id). `only` limits the import to some codes (tests).
    """
    wanted = [r for r in _wanted(path or LISTS[country], country) if only is None or r[1] in only]
    existing = {r["insee_code"]: r for r in await OfficialCommune.select(*OfficialCommune.all_columns()).where(
        OfficialCommune.country == country)}
    new_rows, changed = [], []
    for row in wanted:
        old = existing.get(row[1])
        if old is None:
            new_rows.append(row)
        elif tuple(old[c] for c in _COLUMNS) != row:
            changed.append(row)
    listed = {r[1] for r in wanted}
    gone = [code for code in existing if code not in listed] if only is None else []
    in_use = {r["insee_code"] for r in await Commune.select(Commune.insee_code).where(Commune.country == country)}
    kept = sorted(code for code in gone if code in in_use)
    removable = [code for code in gone if code not in in_use]
    for part in sql.chunks([r[1] for r in changed] + removable, 500):
        await OfficialCommune.delete().where((OfficialCommune.country == country)
                                             & OfficialCommune.insee_code.is_in(list(part)))
    await sql.bulk_insert(OfficialCommune, _COLUMNS, new_rows + changed, ignore_conflicts=False, chunk_rows=400)
    vigie_updated = await _refresh_vigie_communes(country, {r[1]: r for r in wanted})
    return ImportReport(total=len(wanted), added=len(new_rows), updated=len(changed),
                        unchanged=len(wanted) - len(new_rows) - len(changed), removed=len(removable),
                        kept_in_use=kept, vigie_communes_updated=vigie_updated)


async def _refresh_vigie_communes(country: str, listed: dict[str, tuple]) -> int:
    """Copy name, postal codes, département and population from the list onto the Vigie communes (few rows)."""
    count = 0
    for c in await Commune.select(Commune.id, Commune.insee_code, Commune.name, Commune.postal_codes,
                                  Commune.departement, Commune.population).where(Commune.country == country):
        row = listed.get(c["insee_code"])
        if row is None:
            continue
        _, _, name, _, departement, codes, population = row
        if (c["name"], c["postal_codes"], c["departement"], c["population"]) != (name, codes, departement, population):
            await Commune.update({Commune.name: name, Commune.postal_codes: codes, Commune.departement: departement,
                                  Commune.population: population}).where(Commune.id == c["id"])
            count += 1
    return count


def _out(r: dict) -> OfficialCommuneOut:
    return OfficialCommuneOut(insee_code=r["insee_code"], name=r["name"], departement=r["departement"],
                              departement_name=departement_names().get(r["departement"], ""),
                              postal_codes=split_codes(r["postal_codes"]), population=r["population"],
                              country=r["country"], country_name=COUNTRIES.get(r["country"], ""))


def check_country(country: str | None) -> str | None:
    """FR, BE, or None for both; anything else a 400 in French."""
    if country is None or not country.strip():
        return None
    code = country.strip().upper()
    if code not in COUNTRIES:
        raise DomainError("Pays inconnu : FR (France) ou BE (Belgique).", "invalid_country")
    return code


async def search_official(q: str, limit: int = 20, country: str | None = None) -> list[OfficialCommuneOut]:
    """Communes of the official lists by postal code (prefix, from 2 digits) or name (from 2 letters, accents and
    hyphens ignored; a Belgian commune by its French or Dutch name), of one country or both; names that start
    with the words come first, then the most populated."""
    q = q.strip()
    country = check_country(country)
    if len(q) < 2:
        raise DomainError("Tapez au moins 2 caractères (code postal ou nom de commune).", "query_too_short")
    cols = OfficialCommune.all_columns()
    if q.isdigit():
        query = OfficialCommune.select(*cols).where(
            OfficialCommune.postal_codes.like(f"{q}%") | OfficialCommune.postal_codes.like(f"%,{q}%"))
    else:
        words = fold(q)
        if len(words) < 2:
            raise DomainError("Tapez au moins 2 caractères (code postal ou nom de commune).", "query_too_short")
        query = OfficialCommune.select(*cols).where(OfficialCommune.search_name.like(f"%{words}%"))
    if country is not None:
        query = query.where(OfficialCommune.country == country)
    rows = await query.order_by(OfficialCommune.population, ascending=False).limit(200)
    if not q.isdigit():
        rows.sort(key=lambda r: (not r["search_name"].startswith(fold(q)), -r["population"]))
    return [_out(r) for r in rows[:limit]]


async def official_commune(insee_code: str, country: str = "FR") -> OfficialCommuneOut:
    """The commune of the country's official list with this code (INSEE in France, NIS in Belgium), or a 400
    in French."""
    code = insee_code.strip().upper()
    country = check_country(country) or "FR"
    if country == "BE":
        if not NIS_CODE.match(code):
            raise DomainError("Code NIS invalide (5 chiffres, ex. 21004).", "invalid_nis")
    elif not INSEE_CODE.match(code):
        raise DomainError("Code INSEE invalide (5 caractères, ex. 75056).", "invalid_insee")
    row = await OfficialCommune.select(*OfficialCommune.all_columns()).where(
        (OfficialCommune.country == country) & (OfficialCommune.insee_code == code)).first()
    if row is None:
        if country == "BE":
            raise DomainError("Ce code NIS n'est pas dans la liste officielle des communes belges : choisissez la "
                              "commune dans la liste.", "unknown_nis")
        raise DomainError("Ce code INSEE n'est pas dans la liste officielle des communes : choisissez la commune "
                          "dans la liste.", "unknown_insee")
    return _out(row)
