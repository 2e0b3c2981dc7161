"""What each private piccolo use in backend/lib/piccolo_private.py buys: with and without.

    .venv/bin/python bench/piccolo_private.py

In one process, on a throwaway SQLite file (no server): a 50-row feed SELECT on piccolo's stock
engine and on PersistentSQLiteEngine; a one-statement transaction on each; decoding a 50-row
page with and without piccolo's INTEGER converter; a 10,000-row multi-row INSERT built as
piccolo QueryStrings and as PlainQuery. Figures in docs/architecture.md.
"""

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from piccolo.engine.sqlite import SQLiteEngine, convert_int_out  # noqa: E402
from piccolo.querystring import QueryString  # noqa: E402
from backend.lib.piccolo_private import PersistentSQLiteEngine, PlainQuery  # noqa: E402

FEED = ("SELECT id, community, author, title, body, created_at, moderation FROM a "
        "WHERE community = ? ORDER BY id DESC LIMIT 50")

async def main():
    d = Path(tempfile.mkdtemp())
    path = str(d / "m.db")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, community INTEGER, author INTEGER, title VARCHAR(120), body TEXT, created_at TIMESTAMPTZ, moderation VARCHAR(10))")
    setup.executemany("INSERT INTO a (community, author, title, body, created_at, moderation) VALUES (1, ?, 'Titre', 'Un texte assez long pour ressembler à une alerte.', '2026-12-02 09:00:00+00:00', 'approved')", [(i,) for i in range(300)])
    setup.commit(); setup.close()

    async def time_selects(engine, n):
        t = time.perf_counter()
        for _ in range(n):
            await engine.run_querystring(QueryString(FEED.replace("?", "{}"), 1))
        return (time.perf_counter() - t) / n * 1000

    stock = SQLiteEngine(path=path, timeout=30, check_same_thread=False)
    pers = PersistentSQLiteEngine(path=path, timeout=30, check_same_thread=False)
    await pers.open_shared()
    await time_selects(stock, 20); await time_selects(pers, 20)
    print(f"1. feed page SELECT (50 rows): stock engine {await time_selects(stock, 300):.2f} ms, persistent {await time_selects(pers, 300):.2f} ms")

    # transactions: new connection vs idle one
    async def time_tx(engine, n):
        t = time.perf_counter()
        for i in range(n):
            async with engine.transaction():
                await engine.run_querystring(QueryString("UPDATE a SET moderation = {} WHERE id = {}", "approved", 1))
        return (time.perf_counter() - t) / n * 1000
    await time_tx(stock, 10); await time_tx(pers, 10)
    a, b = [], []
    for _ in range(5):
        a.append(await time_tx(stock, 100)); b.append(await time_tx(pers, 100))
    print(f"2. one-statement transaction: stock {min(a):.2f} ms, reused connection {min(b):.2f} ms")

    # INTEGER converter
    conn = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES)
    conn.row_factory = lambda c, r: dict(zip([x[0] for x in c.description], r))
    def read(n):
        t = time.perf_counter()
        for _ in range(n):
            conn.execute(FEED, (1,)).fetchall()
        return (time.perf_counter() - t) / n * 1000
    read(200)
    w, wo = [], []
    for _ in range(40):
        wo.append(read(300))
        sqlite3.register_converter("INTEGER", convert_int_out)
        w.append(read(300))
        sqlite3.converters.pop("INTEGER", None)
    without, with_conv = statistics.median(wo), statistics.median(w)
    print(f"3. 50-row page decode: with piccolo's INTEGER converter {with_conv*1000:.0f} µs, without {without*1000:.0f} µs")

    # PlainQuery vs QueryString: 10,000 rows of 8 values in chunks of 400 rows
    rows = [(i, 1, "push", "queued", "", 0, "2026-12-02 09:00:00+00:00", "2026-12-02 09:00:00+00:00") for i in range(10000)]
    async def insert(kind):
        await pers.run_querystring(QueryString("DROP TABLE IF EXISTS d"))
        await pers.run_querystring(QueryString("CREATE TABLE d (ref_id INTEGER, u INTEGER, channel TEXT, state TEXT, reason TEXT, attempts INTEGER, c TIMESTAMPTZ, up TIMESTAMPTZ)"))
        t = time.perf_counter()
        async with pers.transaction():
            for s in range(0, len(rows), 400):
                part = rows[s:s+400]
                sql = "INSERT INTO d VALUES " + ", ".join(["(" + ", ".join(["{}"] * 8) + ")"] * len(part))
                args = [v for r in part for v in r]
                q = PlainQuery(sql, args) if kind == "plain" else QueryString(sql, *args)
                await pers.run_querystring(q)
        return (time.perf_counter() - t) * 1000
    await insert("plain"); await insert("qs")
    p = min([await insert("plain") for _ in range(3)]); q = min([await insert("qs") for _ in range(3)])
    print(f"4. 10,000-row multi-row INSERT: QueryString {q:.0f} ms, PlainQuery {p:.0f} ms")
    await pers.close_shared()

if __name__ == "__main__":
    asyncio.run(main())
