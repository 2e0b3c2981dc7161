"""Rebuild the compact commune list shipped in backend/communities/data/ from the npm package
`@etalab/decoupage-administratif` (INSEE Code officiel géographique, La Poste postal codes, INSEE populations).

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python scripts/extract_communes.py /tmp/package

Keeps the current communes only (type `commune-actuelle`, 34,969 in version 6.0.0: no delegated or associated
communes, no municipal arrondissements) with five fields, tab-separated and gzipped (~0.4 MB against the
package's 8.6 MB), so tests and fresh machines need no network. Run `vigie communes import` after.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "backend" / "communities" / "data"


def main(package: str) -> int:
    data = Path(package) / "data"
    version = json.loads((Path(package) / "package.json").read_text())["version"]
    communes = json.loads((data / "communes.json").read_text(encoding="utf-8"))
    rows = sorted(
        (c["code"], c["nom"], c.get("departement", ""), ",".join(c.get("codesPostaux", [])), str(c.get("population", 0)))
        for c in communes if c["type"] == "commune-actuelle"
    )
    lines = [f"# @etalab/decoupage-administratif {version}: insee_code, name, departement, postal_codes, population"]
    lines += ["\t".join(r) for r in rows]
    with gzip.open(OUT / "communes.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")
    departements = json.loads((data / "departements.json").read_text(encoding="utf-8"))
    (OUT / "departements.tsv").write_text(
        "".join(f"{d['code']}\t{d['nom']}\n" for d in sorted(departements, key=lambda d: d["code"])), encoding="utf-8")
    print(f"{len(rows)} communes, {len(departements)} départements from version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
