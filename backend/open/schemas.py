from __future__ import annotations

import msgspec


class OpenCommune(msgspec.Struct):
    """A commune where Vigie communities exist, as anyone may see it: counts only, never a name of a person."""

    insee_code: str
    name: str
    departement: str
    postal_codes: list[str]
    communities: int
    members: int
    """Active members, rounded (to 5 under 100, 10 under 1,000, 100 beyond) and never fewer than 5."""
    members_fewer_than_5: bool
    """True when the real count is below 5: `members` then says 5 and the page « moins de 5 »."""
    mairie: bool
    """Its mairie takes part: it joined (an approved « Mairie vigilante et solidaire » application) or has at
    least one member of its staff on Vigie."""
    x: float | None
    """Where its point sits on the map of départements (viewBox 0 0 613 585), from its communities' centres;
    None overseas or without coordinates."""
    y: float | None
    signup_path: str
    """The sign-up screen, opened on this commune (`#/inscription?commune=<name>`: its neighbourhoods proposed)."""
    mairie_joined_on: str | None = None
    """The day its mairie joined Vigie (ISO date, Paris time: `Commune.mairie_joined_at`); None when it has not
    joined through an application (it may still take part through its staff)."""
    country: str = "FR"
    """FR | BE. A Belgian commune is listed under its province (`departement`: « NAM »), with no point on the
    map of French départements (x and y None)."""
    country_name: str = "France"


class OpenDepartement(msgspec.Struct):
    code: str
    name: str
    communes: int
    communities: int


class OpenMap(msgspec.Struct):
    departements: list[OpenDepartement]
    communes: list[OpenCommune]
    generated_at: str


class CategoryCount(msgspec.Struct):
    category: str
    count: int


class OpenStats(msgspec.Struct):
    members: int
    """Active members (distinct people), rounded like a commune's and never fewer than 5."""
    members_fewer_than_5: bool
    communities: int
    communes: int
    mairies: int
    """Communes whose mairie takes part."""
    month: str
    """The current month in Paris time, « 2026-12 »: the alerts and help below count from its first day."""
    alerts_by_category: list[CategoryCount]
    alerts_this_month: int
    checkins_answered: int
    """Check-ins answered this month (« Je vais bien », by the app or by SMS)."""
    checkins_visits: int
    """This month's check-ins where a neighbour went to see (no answer, someone went)."""
    carpools_offered: int
    """Carpools published in the Gazettes this month."""
    carpool_seats: int
    """Seats in carpools given this month (requests the driver accepted)."""
    generated_at: str
