"""A PostgreSQL database shaped like the national network, built in minutes.

    .venv/bin/python bench/dataset.py postgresql://user@host:port/db [--members 300000] [--seed 1]

Defaults: 600 communes, 30,000 communities, 300,000 members. Community sizes are skewed as
neighbourhoods are: most have 5–15 members, a tail up to ~50, and ~0.3 % of them 100–2,000.
Commune 1 (« Grandville ») holds ~50,000 members (the commune-wide broadcast of
bench/scale.py); the other communities are spread over the other communes with Zipf weights.
A year of history: alerts (≈ 2 + size/20 per community, at most 150), Gazette posts
(≈ 1 + size/15), a monthly mairie post and broadcast in Grandville, two broadcasts a year in
the other communes, and the delivery rows of all of them (push for members with a device, e-mail
for those with e-mail on).

Members: every one active (1 in 50 still pending, outside Grandville), one push subscription for
all Grandville members and 70 % of the others, e-mail alerts on for 60 % (all in Grandville), a
mobile number for 1 in 10 (the others none: an urgent broadcast forces SMS to every number on
file, and the issue asks for 10 % SMS), a directory profile for 1 in 3. One mairie staff account
per commune (not a member). Everyone shares one argon2 hash.

The tables are created by the project's migrations (`backend/migrate.py`), then filled with
asyncpg's COPY (`copy_records_to_table`), ids assigned here and the sequences moved past them,
then ANALYZE. Deterministic for a given `--seed`. `build()` is what bench/scale.py and the test
call; the sizes are parameters so the test builds a tiny one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import math
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "banc-d-essai-2026"
BIG_COMMUNE = 1
ALERT_CATEGORIES = ["suspicious_vehicle", "suspicious_person", "open_while_away", "no_news", "other"]
GAZETTE_KINDS = ["classified", "news"]  # events and carpools need dates and places
STREETS = ["rue des Tilleuls", "rue de la Mairie", "allée des Lilas", "chemin du Moulin", "avenue de la Gare",
           "place de l'Église", "impasse des Vignes", "rue Victor-Hugo", "boulevard Pasteur", "rue des Écoles"]
ALERT_BODY = ("Une camionnette blanche tourne dans le quartier depuis une heure, deux personnes à bord. "
              "Elle s'est arrêtée plusieurs fois devant des maisons dont les volets sont fermés.")
DELIVERY_COLUMNS = ["id", "kind", "ref_id", "user", "channel", "state", "created_at", "updated_at", "sent_at"]
BULKY = ["deliveries", "memberships", "push_subscriptions", "users"]  # tables COPYed without their indexes
FLUSH_ROWS = 500_000  # delivery rows held before a COPY
GAZETTE_BODY = ("Bonjour à tous, je propose une table et quatre chaises en bon état, à venir chercher "
                "avant samedi. Merci de me laisser un message.")


@dataclass
class Shape:
    """How big: the issue's network by default."""

    communes: int = 600
    communities: int = 30_000
    members: int = 300_000
    big_commune_members: int = 50_000
    days: int = 365
    seed: int = 1


@dataclass
class Summary:
    """What was built: counts per table, seconds, and the ids bench/scale.py needs."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    community_sizes: dict[int, int] = field(default_factory=dict)
    community_commune: dict[int, int] = field(default_factory=dict)
    members_of: dict[int, list[int]] = field(default_factory=dict)
    alerts_of: dict[int, int] = field(default_factory=dict)
    staff_of: dict[int, int] = field(default_factory=dict)  # commune → its staff user
    pending: set[int] = field(default_factory=set)  # members whose membership is still pending
    big_commune: int = BIG_COMMUNE

    def active_members(self, community: int) -> list[int]:
        return [u for u in self.members_of[community] if u not in self.pending]

    def communities_by_alerts(self, at_least: int) -> list[int]:
        """Communities with at least `at_least` alerts, most first."""
        return sorted((c for c, n in self.alerts_of.items() if n >= at_least), key=lambda c: -self.alerts_of[c])


# --------------------------------------------------------------------------- shape


def community_sizes(shape: Shape, rng: random.Random) -> list[int]:
    """`shape.communities` sizes summing to `shape.members`: most 5–15, a tail to ~50, a few 100–2,000."""
    few = max(1, shape.communities * 3 // 1000)
    sizes = [int(math.exp(rng.uniform(math.log(100), math.log(2000)))) for _ in range(few)]
    sizes += [5 + int(rng.expovariate(1 / 3.5)) for _ in range(shape.communities - few)]
    sizes = [min(s, 50) if i >= few else s for i, s in enumerate(sizes)]
    # Bring the total to shape.members by ±1 on the small ones (never below 3), then the big ones.
    small = list(range(few, len(sizes)))
    diff = shape.members - sum(sizes)
    while diff:
        i = rng.choice(small) if small else rng.randrange(len(sizes))
        step = 1 if diff > 0 else -1
        if sizes[i] + step >= 3 and (sizes[i] + step <= 60 or i < few):
            sizes[i] += step
            diff -= step
        elif all(sizes[j] <= 3 for j in small) or all(sizes[j] >= 60 for j in small):
            small = []
    return sizes


def assign_communes(shape: Shape, sizes: list[int], rng: random.Random) -> list[int]:
    """The commune (1..communes) of each community: commune 1 gets ~big_commune_members, with a
    few of the big communities; the others draw their commune with Zipf weights."""
    order = list(range(len(sizes)))
    rng.shuffle(order)
    commune = [0] * len(sizes)
    big_total = 0
    target = min(shape.big_commune_members, shape.members // 2) if shape.communes > 1 else shape.members
    for i in order:
        if big_total + sizes[i] <= target:
            commune[i] = BIG_COMMUNE
            big_total += sizes[i]
        if big_total >= target * 0.995:
            break
    others = list(range(2, shape.communes + 1)) or [BIG_COMMUNE]
    weights = [1 / (rank ** 0.8) for rank in range(1, len(others) + 1)]
    rest = [i for i in range(len(sizes)) if not commune[i]]
    for i, c in zip(rest, rng.choices(others, weights, k=len(rest))):
        commune[i] = c
    return commune


def pseudo_hex(*parts: Any) -> str:
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).hexdigest()


# --------------------------------------------------------------------------- build


async def build(url: str, shape: Shape | None = None, *, password_hash: str | None = None,
                push_subscription: Callable[[int], dict[str, Any]] | None = None,
                progress: Callable[[str], None] = print) -> Summary:
    """Migrate the database at `url` and fill it (it must be empty).

    `push_subscription(user_id)` gives the subscription of each member of the big commune (the
    bench's loopback receiver); others get an endpoint on an unreachable origin with valid keys.
    """
    import asyncpg

    from backend import apps, db
    from backend.auth.passwords import hash_password
    from backend.migrate import migrate
    from backend.settings import Settings

    shape = shape or Shape()
    started = time.perf_counter()
    engine = apps.bind_engine(db.make_engine(Settings(database_url=url)))
    await migrate(engine, quiet=True)
    password_hash = password_hash or await hash_password(PASSWORD)
    conn = await asyncpg.connect(url)
    summary = Summary()
    try:
        async with indexes_dropped(conn, BULKY, progress):
            await _fill(conn, shape, password_hash, push_subscription, summary, progress)
        for table in summary.rows:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
        t = time.perf_counter()
        await conn.execute("ANALYZE")
        progress(f"ANALYZE {time.perf_counter() - t:.1f} s")
    finally:
        await conn.close()
    summary.seconds = time.perf_counter() - started
    return summary


@contextlib.asynccontextmanager
async def indexes_dropped(conn: Any, tables: Sequence[str], progress: Callable[[str], None]) -> AsyncIterator[None]:
    """Drop the secondary indexes and unique constraints of `tables` for the COPYs, then build them
    again as the migrations defined them (one index build beats millions of index insertions)."""
    constraints = await conn.fetch(
        "SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE contype = 'u' AND conrelid::regclass::text = ANY($1::text[])", list(tables))
    indexes = await conn.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY($1::text[]) AND i.indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))", list(tables))
    for c in constraints:
        await conn.execute(f'ALTER TABLE "{c["tbl"]}" DROP CONSTRAINT "{c["conname"]}"')
    for i in indexes:
        await conn.execute(f'DROP INDEX "{i["indexname"]}"')
    yield
    t = time.perf_counter()
    await conn.execute("SET maintenance_work_mem = '256MB'")
    for i in indexes:
        await conn.execute(i["indexdef"])
    for c in constraints:
        await conn.execute(f'ALTER TABLE "{c["tbl"]}" ADD CONSTRAINT "{c["conname"]}" {c["def"]}')
    progress(f"indexes of {', '.join(tables)} built again in {time.perf_counter() - t:.1f} s")


async def _copy(conn: Any, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]],
                summary: Summary, progress: Callable[[str], None]) -> None:
    t = time.perf_counter()
    records = list(records)
    await conn.copy_records_to_table(table, columns=list(columns), records=records)
    summary.rows[table] = summary.rows.get(table, 0) + len(records)
    progress(f"{table}: {len(records):,} rows in {time.perf_counter() - t:.1f} s")


async def _fill(conn: Any, shape: Shape, password_hash: str, push_subscription: Any, summary: Summary,
                progress: Callable[[str], None]) -> None:
    from backend.lib.text import sort_name

    rng = random.Random(shape.seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    year_ago = now - timedelta(days=shape.days)

    def moment() -> datetime:
        return year_ago + timedelta(seconds=rng.randrange(shape.days * 86400))

    # Communes and communities.
    sizes = community_sizes(shape, rng)
    communes_of = assign_communes(shape, sizes, rng)
    await _copy(conn, "communes", ["id", "insee_code", "name", "postal_codes", "created_at"],
                [(c, f"{10000 + c:05d}", "Grandville" if c == BIG_COMMUNE else f"Commune {c}",
                  f"{10000 + c:05d}", year_ago) for c in range(1, shape.communes + 1)], summary, progress)
    community_ids = list(range(1, len(sizes) + 1))
    await _copy(conn, "communities", ["id", "commune", "name", "center_lat", "center_lon", "radius_m", "created_at"],
                [(cid, communes_of[cid - 1], f"Quartier {cid}", 43 + rng.random() * 8, -1 + rng.random() * 8, 500,
                  year_ago) for cid in community_ids], summary, progress)
    summary.community_sizes = dict(zip(community_ids, sizes))
    summary.community_commune = dict(zip(community_ids, communes_of))

    # Members (user id = member number), then one staff account per commune.
    users, memberships, prefs, subs, profiles = [], [], [], [], []
    uid = 0
    fake_keys = _fake_keys()
    for cid, size in zip(community_ids, sizes):
        big = summary.community_commune[cid] == BIG_COMMUNE
        ids = []
        for _ in range(size):
            uid += 1
            ids.append(uid)
            joined = moment()
            mobile = uid % 10 == 0
            users.append((uid, f"voisin{uid}@scale.vigie.fr", password_hash, f"Voisin{uid}", "Échelle",
                          sort_name(f"Voisin{uid}", "Échelle"),
                          f"+336{10000000 + uid}" if mobile else "", mobile, f"{1 + uid % 150} {STREETS[uid % len(STREETS)]}",
                          f"{10000 + summary.community_commune[cid]:05d}", "Ville", True, joined))
            pending = not big and uid % 50 == 0
            if pending:
                summary.pending.add(uid)
            memberships.append((uid, uid, cid, "pending" if pending else "active", "referent" if len(ids) == 1 else
                                "member", joined, None if pending else joined))
            email_on = big or uid % 5 < 3
            prefs.append((uid, uid, True, email_on, mobile, "", "", pseudo_hex("token", uid)))
            if big or uid % 10 < 7:
                sub = (push_subscription(uid) if big and push_subscription else
                       {"endpoint": f"https://push.invalid/{pseudo_hex('sub', uid)}", "keys": fake_keys})
                subs.append((uid, uid, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], "téléphone", joined))
            if uid % 3 == 0:
                profiles.append((uid, uid, "Retraité, j'habite le quartier depuis vingt ans.", '["jardinage"]',
                                 '["courses"]', "community", "nobody", joined))
        summary.members_of[cid] = ids
    staff = []
    for c in range(1, shape.communes + 1):
        uid += 1
        staff.append((uid, f"mairie{c}@scale.vigie.fr", password_hash, "Agent", f"Mairie {c}",
                      sort_name("Agent", f"Mairie {c}"), "", False,
                      "1 place de la Mairie", f"{10000 + c:05d}", "Ville", True, year_ago))
        summary.staff_of[c] = uid
    await _copy(conn, "users", ["id", "email", "password_hash", "first_name", "last_name", "sort_name", "phone",
                                "phone_mobile", "address_line1", "postal_code", "city", "address_verified",
                                "created_at"], users + staff, summary, progress)
    await _copy(conn, "mairie_staff", ["id", "user", "commune", "created_at"],
                [(c, summary.staff_of[c], c, year_ago) for c in range(1, shape.communes + 1)], summary, progress)
    await _copy(conn, "memberships", ["id", "user", "community", "status", "role", "created_at", "activated_at"],
                memberships, summary, progress)
    await _copy(conn, "delivery_preferences", ["id", "user", "push", "email", "sms", "quiet_start", "quiet_end",
                                               "email_token"], prefs, summary, progress)
    await _copy(conn, "push_subscriptions", ["id", "user", "endpoint", "p256dh", "auth", "device_label", "created_at"],
                subs, summary, progress)
    await _copy(conn, "directory_profiles", ["id", "user", "bio", "interests", "skills", "phone_visibility",
                                             "email_visibility", "updated_at"], profiles, summary, progress)
    with_device = {s[1] for s in subs}
    email_on = {p[1] for p in prefs if p[3]}
    active = {m[1] for m in memberships if m[3] == "active"}
    del users, memberships, prefs, subs, profiles

    # A year of alerts and their deliveries.
    alerts, deliveries, acknowledgements = [], [], []
    aid = did = 0
    for cid, size in zip(community_ids, sizes):
        members = [u for u in summary.members_of[cid] if u in active]
        count = min(150, int(2 + size / 20 + rng.random()))
        summary.alerts_of[cid] = count
        for at in sorted(moment() for _ in range(count)):
            aid += 1
            author = rng.choice(members) if members else summary.members_of[cid][0]
            recent = at > now - timedelta(days=2)
            moderation = "pending" if recent else rng.choices(["approved", "hidden", "removed"], [95, 3, 2])[0]
            alerts.append((aid, cid, author, ALERT_CATEGORIES[aid % len(ALERT_CATEGORIES)], f"Alerte n°{aid}",
                           ALERT_BODY, STREETS[aid % len(STREETS)] if aid % 2 else "", aid % 10 == 0, aid % 40 == 0,
                           "app", f"scale-{aid}", "resolved" if aid % 3 == 0 else "open", moderation, at))
            # The mairie acknowledges 19 forwarded alerts in 20 within the week.
            if (aid % 10 == 0 or aid % 40 == 0) and at < now - timedelta(days=7) and aid % 20 != 0:
                commune = summary.community_commune[cid]
                acknowledgements.append((aid, commune, summary.staff_of[commune], "Transmis à la police municipale.",
                                         at + timedelta(hours=3)))
            for user in members:
                if user == author:
                    continue
                for channel, wants in (("push", user in with_device), ("email", user in email_on)):
                    if wants:
                        did += 1
                        deliveries.append((did, "alert", aid, user, channel, "sent", at, at, at))
        if len(deliveries) >= FLUSH_ROWS:
            await _copy(conn, "deliveries", DELIVERY_COLUMNS, deliveries, summary, progress)
            deliveries.clear()
    await _copy(conn, "alerts", ["id", "community", "author", "category", "title", "body", "place", "notify_mairie",
                                 "notify_police", "source", "idempotency_key", "resolution", "moderation", "created_at"],
                alerts, summary, progress)
    await _copy(conn, "mairie_acknowledgements", ["alert", "commune", "staff", "note", "created_at"], acknowledgements,
                summary, progress)
    del alerts, acknowledgements

    # The Gazette: the neighbours' posts, and a monthly mairie post in each commune.
    posts = []
    pid = 0
    for cid, size in zip(community_ids, sizes):
        members = summary.members_of[cid]
        for _ in range(min(150, int(1 + size / 15 + rng.random()))):
            pid += 1
            kind = GAZETTE_KINDS[pid % len(GAZETTE_KINDS)]
            posts.append((pid, cid, summary.community_commune[cid], rng.choice(members), kind, f"Annonce n°{pid}",
                          GAZETTE_BODY, f"annonce n°{pid} {GAZETTE_BODY.lower()}", False, moment()))
    for c in range(1, shape.communes + 1):
        for month in range(shape.days // 30):
            pid += 1
            posts.append((pid, None, c, summary.staff_of[c], "mairie", f"Le mot du maire n°{month + 1}",
                          GAZETTE_BODY, f"le mot du maire {GAZETTE_BODY.lower()}", True, now - timedelta(days=30 * month + 1)))
    await _copy(conn, "gazette_posts", ["id", "community", "commune", "author", "kind", "title", "body", "search_text",
                                        "all_communities", "created_at"], posts, summary, progress)
    del posts

    # Mairie broadcasts: monthly in Grandville (push + Gazette), twice a year elsewhere; their areas
    # and push deliveries.
    communities_in: dict[int, list[int]] = {}
    for cid, c in summary.community_commune.items():
        communities_in.setdefault(c, []).append(cid)
    broadcasts, areas = [], []
    bid = 0
    for c in range(1, shape.communes + 1):
        per_year = 12 if c == BIG_COMMUNE else 2
        for k in range(per_year * shape.days // 365):
            bid += 1
            sent = now - timedelta(days=(k + 0.5) * 365 / per_year)
            broadcasts.append((bid, c, summary.staff_of[c], "meteo", "information", f"Info mairie n°{bid}",
                               "Vigilance orange aux orages cet après-midi : rentrez ce qui peut s'envoler.",
                               "push,gazette", True, "sent", sent, sent + timedelta(days=2), sent))
            for cid in communities_in.get(c, []):
                areas.append(("mairie_broadcast", bid, cid))
                for user in summary.members_of[cid]:
                    if user in with_device and user in active:
                        did += 1
                        deliveries.append((did, "mairie_broadcast", bid, user, "push", "sent", sent, sent, sent))
            if len(deliveries) >= FLUSH_ROWS:
                await _copy(conn, "deliveries", DELIVERY_COLUMNS, deliveries, summary, progress)
                deliveries.clear()
    await _copy(conn, "mairie_broadcasts", ["id", "commune", "author", "category", "severity", "title", "body",
                                            "channels", "all_communities", "status", "sent_at", "valid_until",
                                            "created_at"], broadcasts, summary, progress)
    await _copy(conn, "mairie_areas", ["ref_kind", "ref_id", "community"], areas, summary, progress)
    await _copy(conn, "deliveries", DELIVERY_COLUMNS, deliveries, summary, progress)


def _fake_keys() -> dict[str, str]:
    """Valid subscription keys (a P-256 point, a 16-byte secret) for endpoints nobody sends to."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return {"p256dh": b64(point), "auth": b64(b"\x01" * 16)}


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="postgresql://… of an empty database (migrated here)")
    defaults = Shape()
    for name in ("communes", "communities", "members", "big_commune_members", "days", "seed"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    args = parser.parse_args()
    shape = Shape(**{name: getattr(args, name) for name in vars(defaults)})
    summary = asyncio.run(build(args.url, shape))
    print(f"built in {summary.seconds:.0f} s: " + ", ".join(f"{t} {n:,}" for t, n in summary.rows.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
