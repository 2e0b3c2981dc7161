"""bench/dataset.py, the seed-scale database of bench/scale.py, built at a tiny size so the script
cannot rot: PostgreSQL pass only (`pytest --db=postgres`), as the script writes with COPY."""

from __future__ import annotations

import subprocess
import sys

import asyncpg
import pytest

from backend.db import is_postgres_url
from backend.settings import ROOT, Settings
from tests.ops.helpers import fresh_postgres_database


async def test_dataset_builds_a_tiny_network_shaped_like_the_big_one(fx_settings: Settings) -> None:
    if not is_postgres_url(fx_settings.database_url):
        pytest.skip("bench/dataset.py writes with PostgreSQL's COPY: run with --db=postgres")
    url = await fresh_postgres_database(fx_settings.database_url, "vigie_dataset")
    done = subprocess.run(
        [sys.executable, "bench/dataset.py", url, "--communes", "4", "--communities", "40", "--members", "600",
         "--big-commune-members", "200"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "built in" in done.stdout
    conn = await asyncpg.connect(url)
    try:
        counts = {t: await conn.fetchval(f"SELECT COUNT(*) FROM {t}") for t in (
            "communes", "communities", "memberships", "users", "mairie_staff", "alerts", "gazette_posts",
            "mairie_broadcasts", "mairie_acknowledgements", "deliveries")}
        assert counts["communes"] == 4 and counts["communities"] == 40 and counts["memberships"] == 600
        assert counts["users"] == 600 + 4 and counts["mairie_staff"] == 4
        assert min(counts.values()) > 0
        sizes = [r["n"] for r in await conn.fetch("SELECT COUNT(*) AS n FROM memberships GROUP BY community")]
        assert len(sizes) == 40 and min(sizes) >= 3
        big = await conn.fetchval("SELECT COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community "
                                  "WHERE c.commune = 1")
        assert 190 <= big <= 200
        # Every alert's author is a member of its community; every delivery goes to a member of it.
        assert await conn.fetchval(
            "SELECT COUNT(*) FROM alerts a LEFT JOIN memberships m ON m.community = a.community "
            'AND m."user" = a.author WHERE m.id IS NULL') == 0
        assert await conn.fetchval(
            "SELECT COUNT(*) FROM deliveries d JOIN alerts a ON a.id = d.ref_id AND d.kind = 'alert' "
            'LEFT JOIN memberships m ON m.community = a.community AND m."user" = d."user" WHERE m.id IS NULL') == 0
        # The indexes dropped for the COPYs are back, and new rows get fresh ids.
        assert await conn.fetchval("SELECT COUNT(*) FROM pg_constraint WHERE conname = 'deliveries_once'") == 1
        assert await conn.fetchval("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'memberships_community'") == 1
        new_id = await conn.fetchval("INSERT INTO communes (insee_code, name) VALUES ('99999', 'Neuve') RETURNING id")
        assert new_id == 5
    finally:
        await conn.close()
