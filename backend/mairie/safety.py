"""Safety checks: « Tout va bien ? / J'ai besoin d'aide » asked to every member of an area.

The people asked are written when the check opens (one answer row each), so the counts and
the list of those who have not answered are stable while members come and go. Members
answer in the app, or by SMS: while a check is open for them, OUI means « tout va bien » and
AIDE means « j'ai besoin d'aide » (otherwise AIDE stays the SMS help command).

Staff see the phone and address of a person who answered « j'ai besoin d'aide » (their own
answer asks the mairie to reach them); of those who have not answered, only what each person's
directory settings show their community's referents — a contact set to « personne » stays hidden.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, Mapping

from backend.audit import service as audit
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.delivery.service import community_recipients
from backend.directory.service import contact_visibilities, shown_to
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.sql import bulk_insert
from backend.lib.text import iso
from backend.mairie.area import (
    areas_of, check_channels, commune_row, count_sms_segments, queued_per_channel, reserve_sms, resolve_area,
    save_area, urgent_plan,
)
from backend.mairie.live import publish_dashboard
from backend.mairie.notify import SAFETY_KIND, safety_notice
from backend.mairie.schemas import (
    AnswerIn, MySafetyCheck, Resident, SafetyCheckDetail, SafetyCheckIn, SafetyCheckOut, SafetyCounts,
)
from backend.mairie.tables import SafetyAnswer, SafetyCheck
from backend.settings import Settings

CHANNELS = ("push", "sms", "email")
DEFAULT_CHANNELS = ("push", "sms")
ANSWERS = {"ok": "Tout va bien", "help": "J'ai besoin d'aide"}
SMS_ANSWERS = {"OUI": "ok", "AIDE": "help"}
SAFETY_REPLIES = {
    "fr": {"ok": "Vigie : merci, la mairie a noté que tout va bien.",
           "help": "Vigie : la mairie a noté que vous avez besoin d'aide et va vous contacter. Urgence : 112."},
    "en": {"ok": "Vigie: thank you, the town hall has noted that all is well.",
           "help": "Vigie: the town hall has noted that you need help and will contact you. Emergency: 112."},
}
"""The SMS answering OUI / AIDE to a safety check, by language (the words to text stay French)."""


async def open_check(res: Mapping[str, Any], actor_id: int, commune_id: int, data: SafetyCheckIn) -> SafetyCheckOut:
    """Ask every active member of the area; SMS count against the monthly budget (409 when over).
    After the commit the question goes to the fan-out queue and the counts to the staff's dashboard.
    `res`: the process's resources (`app.state`: settings, queues, valkey)."""
    settings: Settings = res["settings"]
    question = " ".join(data.question.split())
    if not 3 <= len(question) <= 200:
        raise DomainError("La question doit faire entre 3 et 200 caractères.", "invalid_question")
    channels = check_channels(data.channels if data.channels is not None else DEFAULT_CHANNELS, CHANNELS)
    commune = await commune_row(commune_id)
    _, ids = await resolve_area(commune_id, data.community_ids)
    recipients = await community_recipients(ids, None)
    if not recipients:
        raise Conflict("Aucun membre vérifié dans cette zone : personne à interroger.", "empty_area")
    plan = urgent_plan(channels, True)
    now = clock.now()
    async with write_transaction():
        rows = await SafetyCheck.insert(SafetyCheck(commune=commune_id, author=actor_id, question=question,
                                                    channels=",".join(channels), created_at=now)).returning(SafetyCheck.id)
        check_id = rows[0]["id"]
        await save_area(SAFETY_KIND, check_id, ids)
        notice = safety_notice({"id": check_id, "question": question}, commune["name"])
        segments = count_sms_segments(settings, notice.sms_text, notice.url) if "sms" in channels else 0
        total = queued_per_channel(SAFETY_KIND, recipients, plan).get("sms", 0) * segments
        await reserve_sms(commune_id, SAFETY_KIND, check_id, total, now)
        await SafetyCheck.update({SafetyCheck.sms_segments: segments}).where(SafetyCheck.id == check_id)
        await bulk_insert(SafetyAnswer, ["safety_check", "user"], [(check_id, r.user_id) for r in recipients])
        await delivery.add_outbox(SAFETY_KIND, check_id)
        await audit.record(actor_id, "safety_check.open", f"safety_check:{check_id}",
                           {"question": question, "communities": ids, "people": len(recipients), "sms_estimate": total},
                           commune_id=commune_id)
        out = (await checks(commune_id, check_id))[0]
        on_commit(partial(delivery.dispatch, res["queues"], SAFETY_KIND, check_id))
        on_commit(partial(publish_counts, res, out))
    return out


async def close_check(res: Mapping[str, Any], actor_id: int, commune_id: int, check_id: int) -> SafetyCheckOut:
    """Close an open check; the staff's dashboard hears of it once committed (`res`: `app.state`)."""
    async with write_transaction():
        row = await _check(commune_id, check_id)
        if row["status"] != "open":
            raise Conflict("Ce contrôle est déjà clos.", "safety_check_closed")
        await SafetyCheck.update({SafetyCheck.status: "closed", SafetyCheck.closed_at: clock.now()}).where(
            SafetyCheck.id == check_id)
        await audit.record(actor_id, "safety_check.close", f"safety_check:{check_id}", {}, commune_id=commune_id)
        out = (await checks(commune_id, check_id))[0]
        on_commit(partial(publish_counts, res, out))
    return out


async def _check(commune_id: int, check_id: int) -> dict[str, Any]:
    row = await SafetyCheck.select().where((SafetyCheck.id == check_id) & (SafetyCheck.commune == commune_id)).first()
    if row is None:
        raise NotFound("Ce contrôle n'existe pas.", "safety_check_not_found")
    return row


async def counts(check_ids: list[int]) -> dict[int, SafetyCounts]:
    out = {c: SafetyCounts() for c in check_ids}
    if not check_ids:
        return out
    rows = await SafetyAnswer.raw(
        "SELECT safety_check, answer, COUNT(*) AS n FROM mairie_safety_answers WHERE safety_check IN ("
        + ", ".join(["{}"] * len(check_ids)) + ") GROUP BY safety_check, answer", *check_ids)
    for r in rows:
        c = out[r["safety_check"]]
        n = int(r["n"])
        c.total += n
        if r["answer"] == "ok":
            c.ok += n
        elif r["answer"] == "help":
            c.help += n
        else:
            c.pending += n
    return out


async def checks(commune_id: int, check_id: int | None = None, limit: int = 50) -> list[SafetyCheckOut]:
    """The commune's checks, newest first, with live counts (or just `check_id`)."""
    query = SafetyCheck.select().where(SafetyCheck.commune == commune_id).order_by(SafetyCheck.id, ascending=False)
    if check_id is not None:
        query = query.where(SafetyCheck.id == check_id)
    rows = await query.limit(limit)
    if check_id is not None and not rows:
        raise NotFound("Ce contrôle n'existe pas.", "safety_check_not_found")
    ids = [r["id"] for r in rows]
    figures = await counts(ids)
    areas = await areas_of(SAFETY_KIND, ids)
    return [SafetyCheckOut(id=r["id"], commune_id=r["commune"], question=r["question"], status=r["status"],
                           channels=r["channels"].split(","), community_ids=areas[r["id"]],
                           created_at=r["created_at"].isoformat(), closed_at=iso(r["closed_at"]), counts=figures[r["id"]])
            for r in rows]


async def detail(commune_id: int, check_id: int) -> SafetyCheckDetail:
    """Counts, and who needs help or has not answered (name, phone, address: to call or visit —
    for those who have not answered, only where their directory settings show them to referents)."""
    check = (await checks(commune_id, check_id))[0]
    rows = await SafetyAnswer.raw(
        'SELECT a."user" AS user_id, a.answer, a.via, a.note, a.answered_at, u.first_name, u.last_name, u.phone, '
        'u.address_line1, u.address_line2, u.postal_code, u.city, '
        '(SELECT MIN(c.name) FROM memberships m JOIN communities c ON c.id = m.community '
        " JOIN mairie_areas ar ON ar.community = c.id AND ar.ref_kind = {} AND ar.ref_id = a.safety_check "
        " WHERE m.\"user\" = a.\"user\" AND m.status = 'active') AS community_name "
        'FROM mairie_safety_answers a JOIN users u ON u.id = a."user" '
        "WHERE a.safety_check = {} AND a.answer IN ('', 'help') ORDER BY u.last_name, u.first_name",
        SAFETY_KIND, check_id)
    settings = await contact_visibilities([r["user_id"] for r in rows if r["answer"] != "help"])

    def resident(r: dict[str, Any]) -> Resident:
        address = ", ".join(p for p in (r["address_line1"], r["address_line2"], f"{r['postal_code']} {r['city']}") if p)
        asked = r["answer"] == "help"  # their own answer asks the mairie to reach them
        phone = r["phone"] if asked or shown_to(settings[r["user_id"]], "phone", "referent") else ""
        address = address if asked or shown_to(settings[r["user_id"]], "address", "referent") else ""
        return Resident(user_id=r["user_id"], first_name=r["first_name"], last_name=r["last_name"],
                        phone=phone or None, address=address or None, community_name=r["community_name"] or "", answer=r["answer"], via=r["via"],
                        note=r["note"], answered_at=iso(_dt(r["answered_at"])))

    return SafetyCheckDetail(check=check, need_help=[resident(r) for r in rows if r["answer"] == "help"],
                             not_answered=[resident(r) for r in rows if r["answer"] == ""])


def _dt(value: Any) -> Any:
    """Raw SQLite rows may give timestamps as text; PostgreSQL as datetimes."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def answer(user_id: int, check_id: int, data: AnswerIn, via: str = "app", *,
                 res: Mapping[str, Any] | None = None) -> tuple[int, MySafetyCheck]:
    """Record (or change) a person's answer; returns (commune id, their view of the check). With
    `res` (`app.state`), the staff see the counts move once committed."""
    if data.answer not in ANSWERS:
        raise DomainError("Réponse inconnue : ok ou help.", "invalid_answer")
    note = data.note.strip()[:500]
    check = await SafetyCheck.select(SafetyCheck.commune, SafetyCheck.status).where(SafetyCheck.id == check_id).first()
    mine = await SafetyAnswer.select(SafetyAnswer.id).where(
        (SafetyAnswer.safety_check == check_id) & (SafetyAnswer.user == user_id)).first()
    if check is None or mine is None:
        raise NotFound("Ce contrôle ne vous concerne pas.", "safety_check_not_found")
    if check["status"] != "open":
        raise Conflict("Ce contrôle est clos : en cas de besoin, appelez la mairie ou le 112.", "safety_check_closed")
    async with write_transaction():
        await SafetyAnswer.update({SafetyAnswer.answer: data.answer, SafetyAnswer.via: via, SafetyAnswer.note: note,
                                   SafetyAnswer.answered_at: clock.now()}).where(SafetyAnswer.id == mine["id"])
        if res is not None:
            on_commit(partial(publish_counts, res, (await checks(check["commune"], check_id))[0]))
    return check["commune"], (await mine_checks(user_id, check_id))[0]


async def mine_checks(user_id: int, check_id: int | None = None) -> list[MySafetyCheck]:
    """The checks a person was asked (open ones first, newest first)."""
    query = SafetyAnswer.select(
        SafetyAnswer.safety_check.id, SafetyAnswer.safety_check.question, SafetyAnswer.safety_check.status,
        SafetyAnswer.safety_check.created_at, SafetyAnswer.safety_check.commune.name, SafetyAnswer.answer,
        SafetyAnswer.answered_at,
    ).where(SafetyAnswer.user == user_id).order_by(SafetyAnswer.id, ascending=False).limit(20)
    if check_id is not None:
        query = query.where(SafetyAnswer.safety_check == check_id)
    rows = await query
    out = [MySafetyCheck(id=r["safety_check.id"], commune_name=r["safety_check.commune.name"],
                         question=r["safety_check.question"], status=r["safety_check.status"],
                         created_at=r["safety_check.created_at"].isoformat(), answer=r["answer"],
                         answered_at=iso(r["answered_at"])) for r in rows]
    return sorted(out, key=lambda c: c.status != "open")


async def answer_by_sms(user_id: int, word: str, locale: str = "fr") -> tuple[int, int, str] | None:
    """OUI / AIDE from a member asked by an open check: (commune, check, reply text), else None."""
    if word not in SMS_ANSWERS:
        return None
    row = await SafetyAnswer.select(SafetyAnswer.safety_check).where(
        (SafetyAnswer.user == user_id) & (SafetyAnswer.safety_check.status == "open")).order_by(
        SafetyAnswer.safety_check, ascending=False).first()
    if row is None:
        return None
    commune_id, _ = await answer(user_id, row["safety_check"], AnswerIn(answer=SMS_ANSWERS[word]), via="sms")
    return commune_id, row["safety_check"], SAFETY_REPLIES.get(locale, SAFETY_REPLIES["fr"])[SMS_ANSWERS[word]]


async def publish_counts(live_target: Any, check: SafetyCheckOut) -> None:
    """Staff see the counts move as people answer (`dashboard.updated`, section safety_checks)."""
    c = check.counts
    await publish_dashboard(live_target, check.commune_id, "safety_checks", check_id=check.id, status=check.status,
                            counts={"total": c.total, "ok": c.ok, "help": c.help, "pending": c.pending})


async def sms_answer(live_target: Any, user_id: int, word: str, locale: str = "fr") -> str | None:
    """The inbound SMS hook: OUI / AIDE answer the member's open check; returns the SMS reply,
    or None when no check is open for them (the SMS is then handled as usual)."""
    result = await answer_by_sms(user_id, word, locale)
    if result is None:
        return None
    commune_id, check_id, reply = result
    await publish_counts(live_target, (await checks(commune_id, check_id))[0])
    return reply
