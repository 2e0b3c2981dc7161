"""Community perimeters: which verified addresses may be active members of a community.

A community lies in one commune. Mairie staff or its referents may narrow it to listed streets
and/or postal codes (of the commune); an address is inside when its postal code is one of the
commune's and, if anything is listed, its street or its postal code is listed. Without a list the
community covers its whole commune. Street names are compared folded (case, accents, punctuation,
« r. »/« av. » style abbreviations, house numbers aside): see backend.lib.text.street_key.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.communities.tables import Commune, Community
from backend.lib.errors import DomainError, NotFound
from backend.lib.french import a
from backend.lib.text import address_words, street_key

MAX_STREETS = 300
MAX_STREET_LENGTH = 120


def split_codes(raw: str) -> list[str]:
    return [c for c in raw.split(",") if c]


def split_streets(raw: str) -> list[str]:
    return [s for s in raw.split("\n") if s.strip()]


@dataclass(frozen=True)
class Perimeter:
    community_id: int
    community_name: str
    commune_id: int
    commune_name: str
    commune_postal_codes: tuple[str, ...]
    streets: tuple[str, ...]
    postal_codes: tuple[str, ...]

    @property
    def whole_commune(self) -> bool:
        return not self.streets and not self.postal_codes

    def refusal(self, address_line1: str, postal_code: str) -> tuple[str, str] | None:
        """None when the address lies inside; else (code, French reason)."""
        postal = postal_code.strip()
        if postal not in self.commune_postal_codes:
            return ("commune_mismatch",
                    f"Le quartier « {self.community_name} » est {a(self.commune_name, proper=True)} "
                    f"({', '.join(self.commune_postal_codes)}) : il ne correspond pas au code postal {postal} "
                    "de votre adresse. Choisissez un quartier de votre commune.")
        if self.whole_commune or postal in self.postal_codes:
            return None
        street = street_key(address_line1)
        if street and street in {street_key(s) for s in self.streets}:
            return None
        return ("outside_perimeter",
                f"Votre adresse n'est pas dans le périmètre du quartier « {self.community_name} » "
                "(rues ou codes postaux choisis par la mairie ou ses référents). Choisissez le quartier de votre rue.")


async def perimeter_of(community_id: int) -> Perimeter:
    row = await Community.select(
        Community.id, Community.name, Community.commune.id, Community.commune.name, Community.commune.postal_codes,
        Community.perimeter_streets, Community.perimeter_postal_codes,
    ).where(Community.id == community_id).first()
    if row is None:
        raise NotFound("Ce quartier n'existe pas.", "community_not_found")
    return Perimeter(
        community_id=row["id"], community_name=row["name"], commune_id=row["commune.id"],
        commune_name=row["commune.name"], commune_postal_codes=tuple(split_codes(row["commune.postal_codes"])),
        streets=tuple(split_streets(row["perimeter_streets"])),
        postal_codes=tuple(split_codes(row["perimeter_postal_codes"])),
    )


_NOT_PART_OF_NAME = {"cedex", "arrondissement", "er", "e", "eme"}


def city_key(city: str) -> str:
    """A town name folded for comparison, without « Cedex », arrondissement numbers and the like
    (« St-Jean-de-Braye » = « Saint Jean de Braye », « Paris 11e » = « Paris »)."""
    words = [w for w in address_words(city) if w not in _NOT_PART_OF_NAME and not w[0].isdigit()]
    return " ".join(words)


async def _communes_with(postal_code: str) -> list[str]:
    rows = await Commune.select(Commune.name, Commune.postal_codes).where(Commune.postal_codes.like(f"%{postal_code}%"))
    return [r["name"] for r in rows if postal_code in split_codes(r["postal_codes"])]


async def require_inside(community_id: int, address_line1: str, postal_code: str, verified: bool = False,
                         city: str | None = None) -> Perimeter:
    """The community's perimeter, or a 400 with a French reason when the address lies outside it.

    With `city`: where several communes share the postal code, the city must be the community's commune.
    """
    perimeter = await perimeter_of(community_id)
    refusal = perimeter.refusal(address_line1, postal_code)
    if refusal is None and city is not None and city_key(city) != city_key(perimeter.commune_name):
        if len(await _communes_with(postal_code.strip())) > 1:
            refusal = ("commune_mismatch",
                       f"Le code postal {postal_code.strip()} couvre plusieurs communes, et votre ville "
                       f"« {city.strip()[:100]} » n'est pas {perimeter.commune_name}, la commune du quartier "
                       f"« {perimeter.community_name} ». Choisissez un quartier de votre commune.")
    if refusal is not None:
        code, detail = refusal
        if verified:
            detail += (" Si vous avez déménagé, indiquez votre nouvelle adresse dans « Réglages » : "
                       "un nouveau courrier d'activation vous sera envoyé.")
        raise DomainError(detail, code)
    return perimeter


def clean_perimeter(commune_postal_codes: tuple[str, ...], streets: list[str],
                    postal_codes: list[str]) -> tuple[list[str], list[str]]:
    """Validated, de-duplicated lists (streets compared folded; postal codes among the commune's)."""
    codes: list[str] = []
    for raw in postal_codes:
        code = raw.strip()
        if not code:
            continue
        if code not in commune_postal_codes:
            raise DomainError(
                f"Le code postal {code[:10]} n'est pas un code de la commune ({', '.join(commune_postal_codes)}).",
                "postal_code_outside_commune")
        if code not in codes:
            codes.append(code)
    kept: list[str] = []
    seen: set[str] = set()
    for raw in streets:
        street = " ".join(raw.split())
        if not street:
            continue
        if len(street) > MAX_STREET_LENGTH:
            raise DomainError(f"Nom de rue trop long ({MAX_STREET_LENGTH} caractères au plus).", "street_too_long")
        key = street_key(street)
        if not key:
            raise DomainError(f"« {street} » n'est pas un nom de rue.", "invalid_street")
        if key not in seen:
            seen.add(key)
            kept.append(street)
    if len(kept) > MAX_STREETS:
        raise DomainError(f"{MAX_STREETS} rues au plus par quartier.", "too_many_streets")
    return kept, codes
