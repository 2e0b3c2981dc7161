"""The official French list of communes (INSEE COG): import, search, lookup.

The list ships in `backend/communities/data/` (see its LICENCE.md and scripts/extract_communes.py);
`vigie communes import` loads it into `official_communes`. A Vigie commune (`communes`) is opened
only from this list, so a commune is never typed free-hand.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import msgspec

from backend.communities.perimeter import split_codes
from backend.communities.tables import Commune, OfficialCommune
from backend.lib import sql
from backend.lib.errors import DomainError
from backend.lib.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNES_FILE = DATA_DIR / "communes.tsv.gz"
DEPARTEMENTS_FILE = DATA_DIR / "departements.tsv"
_COLUMNS = ("insee_code", "name", "search_name", "departement", "postal_codes", "population")
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class OfficialCommuneOut(msgspec.Struct):
    insee_code: str
    name: str
    departement: str
    departement_name: str
    postal_codes: list[str]
    population: int


@dataclass(frozen=True)
class ImportReport:
    total: int
    added: int
    updated: int
    unchanged: int
    removed: int
    kept_in_use: list[str]  # codes gone from the list but used by a Vigie commune: never deleted
    vigie_communes_updated: int


def read_list(path: Path = COMMUNES_FILE) -> list[tuple[str, str, str, str, int]]:
    """(insee_code, name, departement, postal codes comma-separated, population) of every commune of the file."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            code, name, departement, codes, population = line.rstrip("\n").split("\t")
            rows.append((code, name, departement, codes, int(population or 0)))
    return rows


_departements: dict[str, str] = {}


def departement_names() -> dict[str, str]:
    """Code → name of every département (« 45 » → « Loiret »), from the shipped list."""
    if not _departements:
        for line in DEPARTEMENTS_FILE.read_text(encoding="utf-8").splitlines():
            code, name = line.split("\t")
            _departements[code] = name
    return _departements


async def import_communes(path: Path = COMMUNES_FILE, only: set[str] | None = None) -> ImportReport:
    """Load the official list: add new communes, update names, postal codes, départements and populations,
    remove communes gone from the list unless a Vigie commune uses them. Idempotent.

    Batched: one read of the table, multi-row inserts; changed rows are deleted and inserted again
    (nothing references `official_communes` by id). `only` limits the import to some codes (tests).
    """
    wanted = [r for r in read_list(path) if only is None or r[0] in only]
    existing = {r["insee_code"]: r for r in await OfficialCommune.select(*OfficialCommune.all_columns())}
    new_rows, changed = [], []
    for code, name, departement, codes, population in wanted:
        row = (code, name, fold(name), departement, codes, population)
        old = existing.get(code)
        if old is None:
            new_rows.append(row)
        elif tuple(old[c] for c in _COLUMNS) != row:
            changed.append(row)
    listed = {r[0] for r in wanted}
    gone = [code for code in existing if code not in listed] if only is None else []
    in_use = {r["insee_code"] for r in await Commune.select(Commune.insee_code)}
    kept = sorted(code for code in gone if code in in_use)
    removable = [code for code in gone if code not in in_use]
    for part in sql.chunks([r[0] for r in changed] + removable, 500):
        await OfficialCommune.delete().where(OfficialCommune.insee_code.is_in(list(part)))
    await sql.bulk_insert(OfficialCommune, _COLUMNS, new_rows + changed, ignore_conflicts=False, chunk_rows=400)
    vigie_updated = await _refresh_vigie_communes({r[0]: r for r in wanted})
    return ImportReport(total=len(wanted), added=len(new_rows), updated=len(changed),
                        unchanged=len(wanted) - len(new_rows) - len(changed), removed=len(removable),
                        kept_in_use=kept, vigie_communes_updated=vigie_updated)


async def _refresh_vigie_communes(listed: dict[str, tuple[str, str, str, str, int]]) -> int:
    """Copy name, postal codes, département and population from the list onto the Vigie communes (few rows)."""
    count = 0
    for c in await Commune.select(Commune.id, Commune.insee_code, Commune.name, Commune.postal_codes,
                                  Commune.departement, Commune.population):
        row = listed.get(c["insee_code"])
        if row is None:
            continue
        _, name, departement, codes, population = row
        if (c["name"], c["postal_codes"], c["departement"], c["population"]) != (name, codes, departement, population):
            await Commune.update({Commune.name: name, Commune.postal_codes: codes, Commune.departement: departement,
                                  Commune.population: population}).where(Commune.id == c["id"])
            count += 1
    return count


def _out(r: dict) -> OfficialCommuneOut:
    return OfficialCommuneOut(insee_code=r["insee_code"], name=r["name"], departement=r["departement"],
                              departement_name=departement_names().get(r["departement"], ""),
                              postal_codes=split_codes(r["postal_codes"]), population=r["population"])


async def search_official(q: str, limit: int = 20) -> list[OfficialCommuneOut]:
    """Communes of the official list by postal code (prefix, from 2 digits) or name (from 2 letters, accents and
    hyphens ignored); names that start with the words come first, then the most populated."""
    q = q.strip()
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
    rows = await query.order_by(OfficialCommune.population, ascending=False).limit(200)
    if not q.isdigit():
        rows.sort(key=lambda r: (not r["search_name"].startswith(fold(q)), -r["population"]))
    return [_out(r) for r in rows[:limit]]


async def official_commune(insee_code: str) -> OfficialCommuneOut:
    """The commune of the official list with this code, or a 400 in French."""
    code = insee_code.strip().upper()
    if not INSEE_CODE.match(code):
        raise DomainError("Code INSEE invalide (5 caractères, ex. 75056).", "invalid_insee")
    row = await OfficialCommune.select(*OfficialCommune.all_columns()).where(
        OfficialCommune.insee_code == code).first()
    if row is None:
        raise DomainError("Ce code INSEE n'est pas dans la liste officielle des communes : choisissez la commune "
                          "dans la liste.", "unknown_insee")
    return _out(row)
