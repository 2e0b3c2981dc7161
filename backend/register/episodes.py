"""Episodes (canicule, grand froid, inondation…): every day of an open episode, at its hour, each
active registered person of its area is asked « Tout va bien ? » by the channel they chose (app
push, SMS « OK », or a phone call listed for a volunteer or an agent to make and record). A
question still unanswered after the episode's delay alerts, once, the people they named and the
volunteers assigned to them; the staff's board shows who answered, needs help, did not answer, who
called and when, live. Closing the episode ends the daily questions; the register stays.

    asked ──answer (app / SMS OK / call)──► ok | help
      │ no answer after `no_answer_minutes`: contacts + volunteers alerted (exactly once)
      ▼
    no_answer ──answer / call──► ok | help   (everyone alerted hears « tout va bien » / « a besoin d'aide », once)

On « no answer » the named contacts without a Vigie account get one SMS too (`CONTACT_KIND`: a
delivery row per mobile number, no `user`), landlines are left to the staff to call (the board
says so); each contact's text shows on the board as it is sent or fails.

`run_episodes(res, now)` is the periodic driver: one day row per episode and day, one check per
person and day under unique indexes, and every step a conditional UPDATE, so two workers never
ask or alert twice. The answers and the recorded calls are in `backend.register.answers`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from typing import Any, Mapping

from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.communities.tables import Community
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.delivery.service import LOCAL_TZ
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.phones import is_sms_capable, to_e164
from backend.lib.sql import placeholders
from backend.lib.text import iso
from backend.live.service import LiveEvent, publish
from backend.register.schemas import Board, BoardContact, BoardCounts, BoardRow, EpisodeIn, EpisodeOut
from backend.register.service import contacts_of, parse_ids, volunteers_of
from backend.register.tables import Episode, EpisodeCheck, EpisodeDay

QUESTION_KIND = "register_question"  # « Tout va bien ? » of one episode day: push or SMS by each person's choice
NO_ANSWER_KIND = "register_no_answer"  # one unanswered question: to the named contacts and the volunteers, urgent
CONTACT_KIND = "register_contact"  # the same, by SMS to the named contacts without an account (ref: the check)
ALL_CLEAR_KIND = "register_all_clear"  # a late answer: to everyone who was alerted, once (ref: the check)
KINDS = {"canicule": "Canicule", "grand_froid": "Grand froid", "inondation": "Inondation", "autre": "Épisode"}
KINDS_EN = {"canicule": "Heatwave", "grand_froid": "Extreme cold", "inondation": "Flood", "autre": "Episode"}
ANSWERED = ("ok", "help")
NOT_FOUND = ("Cet épisode n'existe pas.", "episode_not_found")


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()


def due_at(day: date, check_time: str) -> datetime:
    hour, minute = (int(x) for x in check_time.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# Opening, closing, listing --------------------------------------------------------------------

def _parse_day(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{label} : date invalide (AAAA-MM-JJ).", "invalid_dates") from None


async def open_episode(res: Mapping[str, Any], principal: Principal, commune_id: int, data: EpisodeIn) -> EpisodeOut:
    """Staff open an episode for the commune or some of its communities; the first question goes
    at the next driver run once its hour has come (`res`: `app.state`, for the settings and live)."""
    if data.kind not in KINDS:
        raise DomainError("Type d'épisode inconnu : canicule, grand_froid, inondation ou autre.", "invalid_kind")
    starts, ends = _parse_day(data.starts_on, "Début"), _parse_day(data.ends_on, "Fin")
    if ends < starts or ends < local_day(clock.now()) or (ends - starts).days > 92:
        raise DomainError("Les dates ne vont pas : la fin doit suivre le début, à venir, 3 mois au plus.",
                          "invalid_dates")
    try:
        hour, minute = (int(x) for x in data.check_time.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise DomainError("Heure de la demande de nouvelles invalide (HH:MM).", "invalid_time") from None
    delay = data.no_answer_minutes if data.no_answer_minutes is not None else res["settings"].register_no_answer_minutes
    if not 10 <= delay <= 720:
        raise DomainError("Le délai sans réponse doit être entre 10 et 720 minutes.", "invalid_delay")
    ids: list[int] = []
    if data.community_ids:
        rows = await Community.select(Community.id).where(Community.id.is_in(data.community_ids)
                                                          & (Community.commune == commune_id))
        if len(rows) != len(set(data.community_ids)):
            raise DomainError("Ces quartiers ne sont pas tous dans la commune.", "invalid_area")
        ids = sorted(set(data.community_ids))
    title = " ".join(data.title.split())[:120] or KINDS[data.kind]
    callback = to_e164(data.callback_phone) if data.callback_phone.strip() else ""
    if callback is None:
        raise DomainError("Numéro de la mairie invalide (ex. 01 23 45 67 89).", "invalid_phone")
    async with write_transaction():
        if await Episode.count().where((Episode.commune == commune_id) & (Episode.status == "open")
                                       & (Episode.kind == data.kind)):
            raise Conflict("Un épisode de ce type est déjà ouvert : clôturez-le d'abord.", "episode_already_open")
        rows = await Episode.insert(Episode(
            commune=commune_id, kind=data.kind, title=title, community_ids=json.dumps(ids), starts_on=starts,
            ends_on=ends, check_time=f"{hour:02d}:{minute:02d}", no_answer_minutes=delay, callback_phone=callback,
            opened_by=principal.user_id,
            created_at=clock.now())).returning(Episode.id)
        episode_id = rows[0]["id"]
        await audit.record(principal.user_id, "episode.open", f"episode:{episode_id}",
                           {"kind": data.kind, "communities": ids, "from": data.starts_on, "to": data.ends_on},
                           commune_id=commune_id)
        on_commit(partial(publish_board, res, commune_id, episode_id))
    return (await episodes(commune_id, episode_id))[0]


async def close_episode(res: Mapping[str, Any], principal: Principal, commune_id: int, episode_id: int) -> EpisodeOut:
    """End the daily questions (and the volunteers' view); the register and the board stay."""
    async with write_transaction():
        updated = await Episode.update({Episode.status: "closed", Episode.closed_at: clock.now(),
                                        Episode.closed_by: principal.user_id}).where(
            (Episode.id == episode_id) & (Episode.commune == commune_id) & (Episode.status == "open")
        ).returning(Episode.id)
        if not updated:
            await _episode(commune_id, episode_id)
            raise Conflict("Cet épisode est déjà clos.", "episode_closed")
        await audit.record(principal.user_id, "episode.close", f"episode:{episode_id}", {}, commune_id=commune_id)
        on_commit(partial(publish_board, res, commune_id, episode_id))
    return (await episodes(commune_id, episode_id))[0]


async def _episode(commune_id: int, episode_id: int) -> dict[str, Any]:
    row = await Episode.select().where((Episode.id == episode_id) & (Episode.commune == commune_id)).first()
    if row is None:
        raise NotFound(*NOT_FOUND)
    return row


async def open_episode_of(commune_id: int) -> dict[str, Any] | None:
    """The commune's open episode running today (the newest), if any."""
    today = local_day(clock.now())
    return await Episode.select().where(
        (Episode.commune == commune_id) & (Episode.status == "open") & (Episode.starts_on <= today)
        & (Episode.ends_on >= today)).order_by(Episode.id, ascending=False).first()


async def day_counts(episode_ids: list[int]) -> dict[int, tuple[date | None, BoardCounts]]:
    """The figures of each episode's latest day (one query)."""
    out: dict[int, tuple[date | None, BoardCounts]] = {e: (None, BoardCounts()) for e in episode_ids}
    if not episode_ids:
        return out
    rows = await EpisodeCheck.raw(
        "SELECT c.episode, c.day, c.state, COUNT(*) AS n FROM register_checks c WHERE c.episode IN ("
        + placeholders(len(episode_ids)) + ") AND c.day = (SELECT MAX(d.day) FROM register_checks d "
        "WHERE d.episode = c.episode) GROUP BY c.episode, c.day, c.state", *episode_ids)
    for r in rows:
        day, counts = out[r["episode"]]
        counts = counts if day is not None else BoardCounts()
        n = int(r["n"])
        counts.total += n
        setattr(counts, {"asked": "waiting"}.get(r["state"], r["state"]),
                getattr(counts, {"asked": "waiting"}.get(r["state"], r["state"])) + n)
        out[r["episode"]] = (as_date(r["day"]), counts)
    return out


def episode_out(r: dict[str, Any], counts: BoardCounts) -> EpisodeOut:
    return EpisodeOut(id=r["id"], commune_id=r["commune"], kind=r["kind"], title=r["title"],
                      community_ids=parse_ids(r["community_ids"]), starts_on=as_date(r["starts_on"]).isoformat(),
                      ends_on=as_date(r["ends_on"]).isoformat(), check_time=r["check_time"],
                      no_answer_minutes=r["no_answer_minutes"], callback_phone=r["callback_phone"] or "",
                      status=r["status"], created_at=iso(r["created_at"]) or "",
                      closed_at=iso(r["closed_at"]), counts=counts)


async def episodes(commune_id: int, episode_id: int | None = None) -> list[EpisodeOut]:
    """The commune's episodes, newest first, with the figures of their latest day."""
    query = Episode.select().where(Episode.commune == commune_id).order_by(Episode.id, ascending=False).limit(50)
    if episode_id is not None:
        query = query.where(Episode.id == episode_id)
    rows = await query
    if episode_id is not None and not rows:
        raise NotFound(*NOT_FOUND)
    figures = await day_counts([r["id"] for r in rows])
    return [episode_out(r, figures[r["id"]][1]) for r in rows]


async def board(principal: Principal, commune_id: int, episode_id: int, day: str | None = None) -> Board:
    """The staff's board of one day (default: the latest): everyone asked, where they stand, who
    called and when. It shows phones and addresses: the reading is audited."""
    episode = (await episodes(commune_id, episode_id))[0]
    if day:
        shown: date | None = _parse_day(day, "Jour")
    else:
        latest = await EpisodeCheck.select(EpisodeCheck.day).where(EpisodeCheck.episode == episode_id).order_by(
            EpisodeCheck.day, ascending=False).first()
        shown = as_date(latest["day"]) if latest else None
    rows = [] if shown is None else await EpisodeCheck.select(
        EpisodeCheck.all_columns(), EpisodeCheck.entry.first_name, EpisodeCheck.entry.last_name,
        EpisodeCheck.entry.phone, EpisodeCheck.entry.address, EpisodeCheck.entry.community.name,
        EpisodeCheck.called_by.first_name, EpisodeCheck.called_by.last_name,
    ).where((EpisodeCheck.episode == episode_id) & (EpisodeCheck.day == shown))
    volunteers = await volunteers_of([r["entry"] for r in rows])
    order = {"help": 0, "no_answer": 1, "asked": 2, "ok": 3}
    rows.sort(key=lambda r: (order.get(r["state"], 9), r["entry.last_name"], r["entry.first_name"]))
    await audit.record(principal.user_id, "register.board", f"episode:{episode_id}", {"day": iso(shown)},
                       commune_id=commune_id)
    texts = await contact_texts([r["id"] for r in rows])
    contacts = await contacts_of([r["entry"] for r in rows])
    return Board(episode=episode, day=iso(shown), rows=[BoardRow(
        check_id=r["id"], entry_id=r["entry"], first_name=r["entry.first_name"], last_name=r["entry.last_name"],
        community_name=r["entry.community.name"], phone=r["entry.phone"], address=r["entry.address"],
        channel=r["channel"], state=r["state"], answered_at=iso(r["answered_at"]), answered_via=r["answered_via"],
        escalated_at=iso(r["escalated_at"]),
        called_by=f"{r['called_by.first_name'] or ''} {r['called_by.last_name'] or ''}".strip(),
        called_at=iso(r["called_at"]), call_note=r["call_note"], volunteers=volunteers[r["entry"]],
        contacts=_board_contacts(contacts[r["entry"]], texts.get(r["id"], {}))) for r in rows])


async def contact_texts(check_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """check → phone → its contact SMS delivery row (state, sent_at, reason): one query."""
    out: dict[int, dict[str, dict[str, Any]]] = {}
    if check_ids:
        rows = await EpisodeCheck.raw(
            "SELECT ref_id, phone, state, sent_at, reason FROM deliveries WHERE kind = {} AND \"user\" IS NULL "
            f"AND ref_id IN ({placeholders(len(check_ids))})", CONTACT_KIND, *check_ids)
        for r in rows:
            out.setdefault(r["ref_id"], {})[r["phone"]] = r
    return out


def _board_contacts(contacts: list[dict[str, Any]], texts: dict[str, dict[str, Any]]) -> list[BoardContact]:
    out = []
    for c in contacts:
        sent = texts.get(c["phone"]) if c["user"] is None else None
        out.append(BoardContact(name=c["name"], relation=c["relation"], phone=c["phone"],
                                has_account=c["user"] is not None, mobile=is_sms_capable(c["phone"]),
                                sms=sent["state"] if sent else "", sms_at=iso(_dt(sent["sent_at"])) if sent else None,
                                sms_reason=sent["reason"] if sent else ""))
    return out


async def publish_board(res: Any, commune_id: int, episode_id: int) -> None:
    """The staff's board moves (`register.board` on the staff channel, with the day's figures)."""
    day, counts = (await day_counts([episode_id]))[episode_id]
    status = await Episode.select(Episode.status).where(Episode.id == episode_id).first()
    await publish(res, LiveEvent(type="register.board", staff_commune_id=commune_id, data={
        "commune_id": commune_id, "episode_id": episode_id, "day": iso(day), "status": status["status"] if status else "",
        "counts": {"total": counts.total, "ok": counts.ok, "help": counts.help, "no_answer": counts.no_answer,
                   "waiting": counts.waiting}}))


# The periodic driver --------------------------------------------------------------------------

async def run_episodes(res: Mapping[str, Any], now: datetime) -> dict[str, int]:
    """Ask today's question of every open episode whose hour has come; alert the contacts and
    volunteers of those still silent after the delay. Safe to run often and from several workers."""
    today = local_day(now)
    rows = await Episode.select().where((Episode.status == "open") & (Episode.starts_on <= today)
                                        & (Episode.ends_on >= today))
    asked = 0
    for row in rows:
        if due_at(today, row["check_time"]) <= now:
            asked += await _ask(res, row, today, now)
    return {"asked": asked, "alerted": await _escalate(res, now)}


async def _ask(res: Mapping[str, Any], episode: dict[str, Any], day: date, now: datetime) -> int:
    """Today's checks of one episode, written once (the day row is the lock), and its notice."""
    ids = parse_ids(episode["community_ids"])
    async with write_transaction():
        created = await EpisodeDay.raw("INSERT INTO register_episode_days (episode, day, asked_at) VALUES ({}, {}, {}) "
                                       "ON CONFLICT DO NOTHING RETURNING id", episode["id"], day, now)
        if not created:
            return 0  # another worker was first
        day_id = created[0]["id"]
        area = f" AND e.community IN ({placeholders(len(ids))})" if ids else ""
        await EpisodeCheck.raw(
            "INSERT INTO register_checks (episode, entry, day, channel, state, asked_at, answered_via, call_note) "
            "SELECT {}, e.id, {}, e.channel, 'asked', {}, '', '' FROM register_entries e "
            "WHERE e.commune = {} AND e.status = 'active'" + area + " ON CONFLICT DO NOTHING",
            episode["id"], day, now, episode["commune"], *ids)
        count = await EpisodeCheck.count().where((EpisodeCheck.episode == episode["id"]) & (EpisodeCheck.day == day))
        await delivery.add_outbox(QUESTION_KIND, day_id)
        if res.get("queues") is not None:  # else the workers' outbox re-dispatch sends it
            on_commit(partial(delivery.dispatch, res["queues"], QUESTION_KIND, day_id))
        on_commit(partial(publish_board, res, episode["commune"], episode["id"]))
    return count


async def _escalate(res: Mapping[str, Any], now: datetime) -> int:
    rows = await EpisodeCheck.select(
        EpisodeCheck.id, EpisodeCheck.asked_at, EpisodeCheck.episode, EpisodeCheck.episode.commune,
        EpisodeCheck.episode.no_answer_minutes,
    ).where((EpisodeCheck.state == "asked") & (EpisodeCheck.episode.status == "open"))
    done = 0
    for row in rows:
        if _dt(row["asked_at"]) + timedelta(minutes=row["episode.no_answer_minutes"]) > now:
            continue
        async with write_transaction():
            moved = await EpisodeCheck.update({EpisodeCheck.state: "no_answer", EpisodeCheck.escalated_at: now}).where(
                (EpisodeCheck.id == row["id"]) & (EpisodeCheck.state == "asked")).returning(EpisodeCheck.id)
            if moved:  # else the person answered, or another worker was first
                for kind in (NO_ANSWER_KIND, CONTACT_KIND):
                    await delivery.add_outbox(kind, row["id"])
                    if res.get("queues") is not None:
                        on_commit(partial(delivery.dispatch, res["queues"], kind, row["id"]))
                on_commit(partial(publish_board, res, row["episode.commune"], row["episode"]))
                done += 1
    return done
