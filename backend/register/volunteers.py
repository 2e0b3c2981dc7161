"""Volunteers: residents who offered, in the directory's « Je peux aider pour… », to call or visit
fragile people during episodes (skill `VOLUNTEER_SKILL`). Staff assign registered people to them;
a volunteer sees only the people assigned to them, and only while an episode of their commune is
open — outside one, nobody. Every reading is in the audit log."""

from __future__ import annotations

from typing import Any

from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.communities.tables import Membership
from backend.db import write_transaction
from backend.lib import clock
from backend.lib.errors import DomainError, NotFound
from backend.lib.text import iso
from backend.register.episodes import episode_out, day_counts, local_day, open_episode_of
from backend.register.schemas import VolunteerCandidate, VolunteerPerson, VolunteerView
from backend.register.service import contact_out, contacts_of
from backend.register.tables import EpisodeCheck, RegisterEntry, VolunteerAssignment

VOLUNTEER_SKILL = "veille_episodes"
"""The directory skill (backend.directory.service.SKILLS) a resident ticks to offer their help."""

_CANDIDATES = (
    'SELECT DISTINCT u.id AS user_id, u.first_name, u.last_name, MIN(c.name) AS community_name '
    'FROM memberships m JOIN users u ON u.id = m."user" JOIN communities c ON c.id = m.community '
    'JOIN directory_profiles p ON p."user" = u.id '
    "WHERE c.commune = {} AND m.status = 'active' AND u.is_suspended = {} AND p.skills LIKE {} "
    "GROUP BY u.id, u.first_name, u.last_name ORDER BY u.last_name, u.first_name"
)


async def candidates(commune_id: int) -> list[VolunteerCandidate]:
    """The commune's residents who offered, with the entries assigned to them."""
    rows = await Membership.raw(_CANDIDATES, commune_id, False, f'%"{VOLUNTEER_SKILL}"%')
    assigned: dict[int, list[int]] = {r["user_id"]: [] for r in rows}
    if assigned:
        for a in await VolunteerAssignment.select(VolunteerAssignment.volunteer, VolunteerAssignment.entry).where(
                (VolunteerAssignment.commune == commune_id) & (VolunteerAssignment.active == True)):  # noqa: E712
            assigned.setdefault(a["volunteer"], []).append(a["entry"])
    return [VolunteerCandidate(user_id=r["user_id"], first_name=r["first_name"], last_name=r["last_name"],
                               community_name=r["community_name"] or "", assigned=assigned[r["user_id"]]) for r in rows]


async def assign(principal: Principal, commune_id: int, volunteer_id: int, entry_id: int) -> VolunteerCandidate:
    """Staff assign a registered person of the commune to a resident who offered."""
    found = next((c for c in await candidates(commune_id) if c.user_id == volunteer_id), None)
    if found is None:
        raise DomainError("Cette personne ne s'est pas proposée comme bénévole dans la commune.", "not_a_volunteer")
    entry = await RegisterEntry.select(RegisterEntry.id, RegisterEntry.status).where(
        (RegisterEntry.id == entry_id) & (RegisterEntry.commune == commune_id)).first()
    if entry is None or entry["status"] == "removed":
        raise NotFound("Cette inscription n'existe pas dans la commune.", "register_entry_not_found")
    async with write_transaction():
        await VolunteerAssignment.raw(
            "INSERT INTO register_assignments (commune, volunteer, entry, assigned_by, active, created_at) "
            "VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (volunteer, entry) DO UPDATE SET active = {}",
            commune_id, volunteer_id, entry_id, principal.user_id, True, clock.now(), True)
        await audit.record(principal.user_id, "register.assign", f"register:{entry_id}", {"volunteer": volunteer_id},
                           commune_id=commune_id)
    return next(c for c in await candidates(commune_id) if c.user_id == volunteer_id)


async def unassign(principal: Principal, commune_id: int, volunteer_id: int, entry_id: int) -> None:
    async with write_transaction():
        updated = await VolunteerAssignment.update({VolunteerAssignment.active: False}).where(
            (VolunteerAssignment.commune == commune_id) & (VolunteerAssignment.volunteer == volunteer_id)
            & (VolunteerAssignment.entry == entry_id) & (VolunteerAssignment.active == True)  # noqa: E712
        ).returning(VolunteerAssignment.id)
        if not updated:
            raise NotFound("Cette personne n'est pas confiée à ce bénévole.", "assignment_not_found")
        await audit.record(principal.user_id, "register.unassign", f"register:{entry_id}",
                           {"volunteer": volunteer_id}, commune_id=commune_id)


async def my_people(principal: Principal) -> VolunteerView:
    """The volunteer's assigned people, with today's question — only during an open episode."""
    rows = await VolunteerAssignment.select(
        VolunteerAssignment.entry, VolunteerAssignment.commune, VolunteerAssignment.entry.first_name,
        VolunteerAssignment.entry.last_name, VolunteerAssignment.entry.address, VolunteerAssignment.entry.phone,
        VolunteerAssignment.entry.health_notes, VolunteerAssignment.entry.status,
    ).where((VolunteerAssignment.volunteer == principal.user_id) & (VolunteerAssignment.active == True))  # noqa: E712
    rows = [r for r in rows if r["entry.status"] == "active"]
    if not rows:
        return VolunteerView(episode=None, people=[])
    episode = await open_episode_of(rows[0]["commune"])  # a volunteer helps in one commune
    if episode is None:
        return VolunteerView(episode=None, people=[])
    ids = [r["entry"] for r in rows]
    checks: dict[int, dict[str, Any]] = {}
    for c in await EpisodeCheck.select(EpisodeCheck.id, EpisodeCheck.entry, EpisodeCheck.state,
                                       EpisodeCheck.called_at).where(
            (EpisodeCheck.episode == episode["id"]) & (EpisodeCheck.day == local_day(clock.now()))
            & EpisodeCheck.entry.is_in(ids)):
        checks[c["entry"]] = c
    contacts = await contacts_of(ids)
    await audit.record(principal.user_id, "register.volunteer_read", f"episode:{episode['id']}", {"entries": ids},
                       commune_id=episode["commune"])
    counts = (await day_counts([episode["id"]]))[episode["id"]][1]
    return VolunteerView(episode=episode_out(episode, counts), people=[VolunteerPerson(
        entry_id=r["entry"], first_name=r["entry.first_name"], last_name=r["entry.last_name"],
        address=r["entry.address"], phone=r["entry.phone"], health_notes=r["entry.health_notes"],
        contacts=contact_out(contacts[r["entry"]]), check_id=checks.get(r["entry"], {}).get("id"),
        state=checks.get(r["entry"], {}).get("state", ""), called_at=iso(checks.get(r["entry"], {}).get("called_at")),
    ) for r in rows])
