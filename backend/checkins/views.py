"""Veille solidaire seen by each reader: a check-in's status, rounds, people (with the contact data
the person's directory settings show this reader), next due time, the lists of one's own and a
community's check-ins, the watchers one may ask, and the history."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Sequence

from backend.auth.principal import Principal
from backend.communities.tables import Membership, MembershipStatus
from backend.delivery import service as delivery
from backend.directory.service import contact_visibilities, shown_to
from backend.lib import clock
from backend.lib.errors import DomainError
from backend.lib.text import iso
from backend.checkins import schedule
from backend.checkins.schemas import (
    CandidateOut, CheckinOut, ConfirmationOut, ConsentOut, EventOut, HistoryPage, InvitationOut,
    MyCheckins, PersonOut, PersonRef, RoundOut, WatcherOut,
)
from backend.checkins.service import (
    CHECKIN_COLUMNS, EVENT_LABELS, NOTIFYING, OPEN_STATES, ROUND_COLUMNS, access, address_of, as_date, full_name,
    my_role, ref,
)
from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound, CheckinWatcher


def status_of(row: dict[str, Any], accepted: int, now: datetime) -> str:
    """stopped, waiting_person (not confirmed by the person yet), waiting_watchers (fewer than two
    accepted), paused or active."""
    if row["stopped_at"] is not None:
        return "stopped"
    if row["person_confirmation"] != "confirmed":
        return "waiting_person"
    if accepted < 2:
        return "waiting_watchers"
    paused = as_date(row["paused_until"])
    if paused is not None and paused >= schedule.local_day(now):
        return "paused"
    return "active"


def round_out(row: dict[str, Any], grace_minutes: int) -> RoundOut:
    """A period as the API shows it (`escalates_at` while a reminder waits)."""
    escalates = row["reminded_at"] + timedelta(minutes=grace_minutes) if row["state"] == "reminded" else None
    return RoundOut(
        id=row["id"], period_date=as_date(row["period_date"]).isoformat(), due_at=row["due_at"].isoformat(),
        state=row["state"], checked_in_at=iso(row["checked_in_at"]), reminded_at=iso(row["reminded_at"]),
        escalates_at=iso(escalates), escalated_at=iso(row["escalated_at"]), going=ref(row, "going_by"),
        going_at=iso(row["going_at"]), resolved_by=ref(row, "resolved_by"), resolved_at=iso(row["resolved_at"]),
        resolution_note=row["resolution_note"],
    )


def watched(row: dict[str, Any], period: date, status: str) -> bool:
    """Whether the job will (or did) remind for this period."""
    if status != "active" or schedule.is_paused(period, as_date(row["paused_until"])):
        return False
    due = schedule.due_at(period, row["check_time"])
    return row["watch_from"] is not None and due >= row["watch_from"]


def person_out(row: dict[str, Any], roles: set[str], visibilities: dict[int, dict[str, str]]) -> PersonOut:
    """The person as this viewer may see them: everything for the person; once the person has
    confirmed, phone and address for the watchers and referents (what the person agreed to);
    before that, only what the person's own directory settings show a referent or a neighbour."""
    phone, address = row["person.phone"], address_of(row)
    if "person" not in roles and row["person_confirmation"] != "confirmed":
        level = "referent" if "referent" in roles else "member"
        settings = visibilities[row["person"]]
        phone = phone if shown_to(settings, "phone", level) else None
        address = address if shown_to(settings, "address", level) else None
    return PersonOut(id=row["person"], name=full_name(row, "person"), phone=phone or None, address=address or None)


def note_for(row: dict[str, Any], roles: set[str]) -> str:
    """The note (keys, health): for the person and the referents; for watchers once the person confirmed."""
    return row["note"] if row["person_confirmation"] == "confirmed" or roles & {"person", "referent"} else ""


def next_due(row: dict[str, Any], status: str, current_done: bool, now: datetime) -> datetime | None:
    """The next moment a check-in is expected (None when stopped or waiting for watchers)."""
    if status not in ("active", "paused"):
        return None
    starts_on, every = as_date(row["starts_on"]), row["every_days"]
    current = schedule.current_period(now, starts_on, every)
    period = current or starts_on
    paused = as_date(row["paused_until"])
    if schedule.is_paused(period, paused):
        period = schedule.period_of(paused, starts_on, every) + timedelta(days=every)  # type: ignore[arg-type,operator]
    for _ in range(3):  # at most the current period and one too early for `watch_from` are skipped
        due = schedule.due_at(period, row["check_time"])
        if not ((period == current and (current_done or due < now))
                or (row["watch_from"] is not None and due < row["watch_from"])):
            return due
        period += timedelta(days=every)
    return None


async def build_outs(rows: Sequence[dict[str, Any]], roles: dict[int, set[str]]) -> list[CheckinOut]:
    """CheckinOut for many check-ins: three queries whatever their number."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    now = clock.now()
    watchers = await CheckinWatcher.select(
        CheckinWatcher.checkin, CheckinWatcher.user, CheckinWatcher.status, CheckinWatcher.invited_at,
        CheckinWatcher.answered_at, CheckinWatcher.user.first_name, CheckinWatcher.user.last_name,
    ).where(CheckinWatcher.checkin.is_in(ids) & CheckinWatcher.status.is_in(["invited", "accepted", "declined"])
            ).order_by(CheckinWatcher.id)
    by_checkin: dict[int, list[WatcherOut]] = {i: [] for i in ids}
    for w in watchers:
        by_checkin[w["checkin"]].append(WatcherOut(
            user_id=w["user"], name=full_name(w, "user"), status=w["status"], invited_at=w["invited_at"].isoformat(),
            answered_at=iso(w["answered_at"])))
    currents = {r["id"]: schedule.current_period(now, as_date(r["starts_on"]), r["every_days"]) for r in rows}
    days = sorted({d for d in currents.values() if d is not None})
    query = CheckinRound.select(*ROUND_COLUMNS).where(CheckinRound.checkin.is_in(ids))
    condition = CheckinRound.state.is_in(list(OPEN_STATES))
    if days:
        condition = condition | CheckinRound.period_date.is_in(days)
    rounds_of: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for r in await query.where(condition).order_by(CheckinRound.period_date):
        rounds_of[r["checkin"]].append(r)
    unconfirmed = sorted({r["person"] for r in rows if r["person_confirmation"] != "confirmed"})
    visibilities = await contact_visibilities(unconfirmed) if unconfirmed else {}
    out = []
    for row in rows:
        grace = row["grace_minutes"]
        mine = rounds_of[row["id"]]
        period = currents[row["id"]]
        accepted = sum(1 for w in by_checkin[row["id"]] if w.status == "accepted")
        status = status_of(row, accepted, now)
        current_row = next((r for r in mine if as_date(r["period_date"]) == period), None)
        current = round_out(current_row, grace) if current_row else None
        if current is None and period is not None and watched(row, period, status):
            current = RoundOut(id=None, period_date=period.isoformat(),
                               due_at=schedule.due_at(period, row["check_time"]).isoformat(), state="due")
        done = current_row is not None
        out.append(CheckinOut(
            id=row["id"], community_id=row["community"], community_name=row["community.name"], status=status,
            my_role=my_role(roles[row["id"]]),
            person=person_out(row, roles[row["id"]], visibilities),
            check_time=row["check_time"], every_days=row["every_days"], grace_minutes=grace,
            starts_on=as_date(row["starts_on"]).isoformat(),
            paused_until=iso(as_date(row["paused_until"])), note=note_for(row, roles[row["id"]]),
            watchers=by_checkin[row["id"]],
            accepted_watchers=accepted,
            consent=ConsentOut(method=row["consent_method"], given_by=row["consent_given_by"],
                               given_at=row["consent_at"].isoformat(),
                               recorded_by=ref(row, "consent_recorded_by"),  # type: ignore[arg-type]
                               detail=row["consent_detail"]),
            confirmation=ConfirmationOut(state=row["person_confirmation"], at=iso(row["confirmed_at"]),
                                         via=row["confirmed_via"]),
            created_by=ref(row, "created_by"), created_at=row["created_at"].isoformat(),  # type: ignore[arg-type]
            stopped_at=iso(row["stopped_at"]), stop_reason=row["stop_reason"], current=current,
            open_rounds=[round_out(r, grace) for r in mine if r["state"] in OPEN_STATES],
            next_due_at=iso(next_due(row, status, done, now)),
        ))
    return out


async def checkin_out(principal: Principal, checkin_id: int) -> CheckinOut:
    """One check-in, for the person, an accepted watcher or a referent (404 for anyone else)."""
    row, roles = await access(principal, checkin_id, {"person", "watcher", "referent"})
    return (await build_outs([row], {row["id"]: roles}))[0]


async def my_checkins(principal: Principal) -> MyCheckins:
    """The person's own check-ins, those they watch, and their pending invitations."""
    uid = principal.user_id
    links = await CheckinWatcher.select(CheckinWatcher.checkin, CheckinWatcher.status).where(
        (CheckinWatcher.user == uid) & CheckinWatcher.status.is_in(["invited", "accepted"]))
    watching = {r["checkin"] for r in links if r["status"] == "accepted"}
    invited = {r["checkin"] for r in links if r["status"] == "invited"}
    query = Checkin.select(*CHECKIN_COLUMNS).order_by(Checkin.id, ascending=False)
    condition = Checkin.person == uid
    if watching | invited:
        condition = condition | Checkin.id.is_in(sorted(watching | invited))
    rows = await query.where(condition)
    roles: dict[int, set[str]] = {}
    for r in rows:
        roles[r["id"]] = ({"person"} if r["person"] == uid else set()) | ({"watcher"} if r["id"] in watching else set())
    visible = [r for r in rows if roles[r["id"]] and (r["person"] == uid or r["stopped_at"] is None)]
    outs = await build_outs(visible, roles)
    invitations = await pending_invitations(uid, [r for r in rows if r["id"] in invited and r["stopped_at"] is None
                                                  and r["person_confirmation"] == "confirmed"])
    return MyCheckins(mine=[o for o in outs if o.my_role == "person"],
                      watching=[o for o in outs if o.my_role == "watcher"], invitations=invitations)


async def pending_invitations(user_id: int, rows: list[dict[str, Any]]) -> list[InvitationOut]:
    """What an invited neighbour may know before accepting: who, how often, when; no address, no note."""
    if not rows:
        return []
    links = await CheckinWatcher.select(
        CheckinWatcher.checkin, CheckinWatcher.invited_at, CheckinWatcher.invited_by,
        CheckinWatcher.invited_by.first_name, CheckinWatcher.invited_by.last_name,
    ).where((CheckinWatcher.user == user_id) & CheckinWatcher.checkin.is_in([r["id"] for r in rows]))
    by_checkin = {link["checkin"]: link for link in links}
    return [InvitationOut(
        checkin_id=r["id"], community_id=r["community"], community_name=r["community.name"],
        person=PersonRef(id=r["person"], name=full_name(r, "person")), check_time=r["check_time"],
        every_days=r["every_days"], invited_by=ref(by_checkin[r["id"]], "invited_by"),  # type: ignore[arg-type]
        invited_at=by_checkin[r["id"]]["invited_at"].isoformat(),
    ) for r in rows if r["id"] in by_checkin]


async def community_checkins(principal: Principal, community_id: int) -> list[CheckinOut]:
    """Every check-in of the community, newest first (referents)."""
    rows = await Checkin.select(*CHECKIN_COLUMNS).where(Checkin.community == community_id).order_by(
        Checkin.id, ascending=False).limit(500)
    roles = {r["id"]: {"referent"} | ({"person"} if r["person"] == principal.user_id else set()) for r in rows}
    return await build_outs(rows, roles)


async def candidates(community_id: int, q: str) -> list[CandidateOut]:
    """Active members of the community whose name matches `q` (to pick watchers or the person)."""
    q = " ".join(q.split())
    if len(q) < 2:
        raise DomainError("Tapez au moins deux lettres du nom.", "query_too_short")
    rows = await Membership.select(Membership.user, Membership.user.first_name, Membership.user.last_name).where(
        (Membership.community == community_id) & (Membership.status == MembershipStatus.ACTIVE)
        & (Membership.user.is_suspended == False)  # noqa: E712
        & (Membership.user.first_name.ilike(f"%{q}%") | Membership.user.last_name.ilike(f"%{q}%"))
    ).order_by(Membership.user.last_name).limit(20)
    return [CandidateOut(user_id=r["user"], name=full_name(r, "user")) for r in rows]


def events_query() -> Any:
    """History rows with the names of who acted and who it concerned."""
    return CheckinEvent.select(
        CheckinEvent.all_columns(), CheckinEvent.round.period_date, CheckinEvent.actor.first_name,
        CheckinEvent.actor.last_name, CheckinEvent.subject.first_name, CheckinEvent.subject.last_name)


def event_out(row: dict[str, Any], delivery_counts: dict[str, Any] | None = None) -> EventOut:
    """A history row as the API shows it."""
    return EventOut(
        id=row["id"], type=row["type"], label=EVENT_LABELS.get(row["type"], row["type"]), round_id=row["round"],
        period_date=iso(as_date(row["round.period_date"])), actor=ref(row, "actor"), subject=ref(row, "subject"),
        source=row["source"], note=row["note"], alert_id=row["alert"], created_at=row["created_at"].isoformat(),
        delivery=delivery_counts)


async def history(principal: Principal, checkin_id: int, before: int | None, limit: int) -> HistoryPage:
    """Every event of the check-in, newest first, with delivery counts for those that notified."""
    await access(principal, checkin_id, {"person", "watcher", "referent"})
    limit = max(1, min(limit, 200))
    query = events_query().where(CheckinEvent.checkin == checkin_id).order_by(
        CheckinEvent.id, ascending=False).limit(limit + 1)
    if before:
        query = query.where(CheckinEvent.id < before)
    rows = await query
    more = len(rows) > limit
    rows = rows[:limit]
    counts: dict[int, dict[str, Any]] = {}
    for type_, kind in NOTIFYING.items():
        ids = [r["id"] for r in rows if r["type"] == type_]
        if ids:
            for event_id, per_channel in (await delivery.counts(kind, ids)).items():
                counts[event_id] = {c: v for c, v in per_channel.items()}
    items = [event_out(r, counts.get(r["id"])) for r in rows]
    return HistoryPage(items=items, next_before=rows[-1]["id"] if more and rows else None)
