"""Rebuild the Belgian commune list shipped in backend/communities/data/communes_be.tsv from two open
datasets on GitHub (see backend/communities/data/LICENCE.md):

- vandenbroucke/belgian_municipalities `data/2020/belgian_municipalities.csv`: the 581 communes with
  their NIS code, French and Dutch names, province and 2020 population (Statbel);
- rubenv/belgium-zipcodes `out/cities.csv` (MIT): every locality with its postal code and NIS code.

    python scripts/extract_communes_be.py belgian_municipalities.csv cities.csv

A commune's postal codes are the localities' codes with its NIS code (or the code of a commune it
absorbed on 1 January 2019) and the first file's postal code, kept only when the code lies in the
commune's province (bpost's ranges): both files carry a few mismatched pairs (Houyet 4317, Berchem
9690 under Antwerp), which this drops. Names: Dutch in Flanders, French in Wallonia, « French /
Dutch » in Brussels when they differ; both are searchable (backend/communities/official.py).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "backend" / "communities" / "data"

# NIS province prefix → (short code stored as the « departement », French name, bpost postal code ranges)
PROVINCES = {
    "1": ("ANT", "Anvers", [(2000, 2999)]),
    "21": ("BRU", "Bruxelles-Capitale", [(1000, 1299)]),
    "23": ("VBR", "Brabant flamand", [(1500, 1999), (3000, 3499)]),
    "24": ("VBR", "Brabant flamand", [(1500, 1999), (3000, 3499)]),
    "25": ("WBR", "Brabant wallon", [(1300, 1499)]),
    "3": ("WVL", "Flandre-Occidentale", [(8000, 8999)]),
    "4": ("OVL", "Flandre-Orientale", [(9000, 9999)]),
    "5": ("HAI", "Hainaut", [(6000, 6599), (7000, 7999)]),
    "6": ("LIE", "Liège", [(4000, 4999)]),
    "7": ("LIM", "Limbourg", [(3500, 3999)]),
    "8": ("LUX", "Luxembourg", [(6600, 6999)]),
    "9": ("NAM", "Namur", [(5000, 5999)]),
}
# The mergers of 1 January 2019 (589 → 581 communes): the codes cities.csv (2013) still uses.
MERGED_2019 = {
    "12030": "12041", "12034": "12041",  # Puurs, Sint-Amands → Puurs-Sint-Amands
    "44011": "44083", "44049": "44083",  # Deinze, Nevele → Deinze
    "44001": "44084", "44029": "44084",  # Aalter, Knesselare → Aalter
    "44036": "44085", "44072": "44085", "44080": "44085",  # Lovendegem, Waarschoot, Zomergem → Lievegem
    "45017": "45068", "45057": "45068",  # Kruishoutem, Zingem → Kruisem
    "72038": "72042", "71047": "72042",  # Meeuwen-Gruitrode, Opglabbeek → Oudsbergen
    "72025": "72043", "72029": "72043",  # Neerpelt, Overpelt → Pelt
}


def province(nis: str) -> tuple[str, str, list[tuple[int, int]]]:
    return PROVINCES.get(nis[:2]) or PROVINCES[nis[:1]]


def in_province(nis: str, postal: str) -> bool:
    return postal.isdigit() and any(lo <= int(postal) <= hi for lo, hi in province(nis)[2])


def display_name(nis: str, fr: str, nl: str) -> str:
    if nis.startswith("21"):
        return fr if fr == nl else f"{fr} / {nl}"
    return fr if nis[:1] in "5689" or nis.startswith("25") else nl


def main(municipalities: str, cities: str) -> int:
    with open(municipalities, encoding="utf-8") as f:
        communes = list(csv.DictReader(f))
    codes: dict[str, set[str]] = {c["NIS_code"]: {str(c["zip"])} for c in communes}
    with open(cities, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            nis = MERGED_2019.get(row["nisCode"], row["nisCode"])
            if nis in codes:
                codes[nis].add(row["zipCode"])
    lines = ["# Belgian communes (NIS), from vandenbroucke/belgian_municipalities 2020 and rubenv/belgium-zipcodes: "
             "nis_code, name, search names, province, postal_codes, population"]
    dropped = 0
    for c in sorted(communes, key=lambda c: c["NIS_code"]):
        nis = c["NIS_code"]
        kept = sorted(p for p in codes[nis] if in_province(nis, p))
        dropped += len(codes[nis]) - len(kept)
        fr, nl = c["municipality_FR"], c["municipality_NL"]
        name = display_name(nis, fr, nl)
        other = "" if "/" in name else " ".join(sorted({fr, nl} - {name}))  # the other language's name, searchable
        lines.append("\t".join([nis, name, other, province(nis)[0], ",".join(kept), str(c["inhabitants"] or 0)]))
    (OUT / "communes_be.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    names = {code: name for code, name, _ in PROVINCES.values()}
    (OUT / "provinces_be.tsv").write_text("".join(f"{k}\t{v}\n" for k, v in sorted(names.items())), encoding="utf-8")
    print(f"{len(communes)} communes, {sum(len(v) for v in codes.values()) - dropped} postal codes "
          f"({dropped} dropped: outside the commune's province)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
