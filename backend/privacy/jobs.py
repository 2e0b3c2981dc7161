"""The daily privacy job: retention rules of every domain, then the accounts whose grace period is over.

Every worker process runs `daily_privacy` every `privacy_check_seconds` (periodic, domain.py);
the first to insert today's `privacy_runs` row (its Paris date is unique) runs it, the others
find the row and return: exactly once a day with any number of workers, on either database,
with or without Valkey.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Sequence

from backend.lib import clock
from backend.lib.domain import Domain
from backend.lib.french import PARIS
from backend.privacy.service import counts_json, erase_due
from backend.privacy.tables import PrivacyRun
from backend.settings import Settings

log = logging.getLogger(__name__)


async def apply_retention(settings: Settings, domains: Sequence[Domain]) -> dict[str, int]:
    """Run every domain's retention rules now; rows touched per setting."""
    now = clock.now()
    counts = {}
    for domain in domains:
        for rule in domain.retention:
            counts[rule.setting] = await rule.apply(settings, now - timedelta(days=getattr(settings, rule.setting)))
    return counts


async def claim_today() -> int | None:
    """Today's run (Paris date) if this process is the first to claim it, else None."""
    day = clock.now().astimezone(PARIS).date().isoformat()
    rows = await PrivacyRun.insert(PrivacyRun(day=day, started_at=clock.now())).on_conflict(
        target=PrivacyRun.day, action="DO NOTHING").returning(PrivacyRun.id)
    return rows[0]["id"] if rows else None


async def daily_privacy(ctx: dict[str, Any]) -> dict[str, int] | None:
    """Periodic: once a day (whichever worker claims it), retention then due erasures; the counts, or None."""
    run_id = await claim_today()
    if run_id is None:
        return None
    settings: Settings = ctx["settings"]
    counts = await apply_retention(settings, ctx["domains"])
    counts["accounts_erased"] = await erase_due(ctx["domains"])
    await PrivacyRun.update({PrivacyRun.finished_at: clock.now(), PrivacyRun.counts: counts_json(counts)}).where(
        PrivacyRun.id == run_id)
    log.info("privacy run: %s", counts)
    return counts
