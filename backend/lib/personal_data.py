"""What each domain declares about the people in its tables (RGPD: export, erasure, retention).

A domain lists, in its `domain.py`, one `PersonalData` per column of its tables that holds a
person's id, and one `Retention` per rule that removes or blurs old rows. The privacy domain
(`backend/privacy/`) reads them all from `backend.domains.DOMAINS`: the export of « Mes
données » and the erasure of an account walk the declarations, the daily job runs the rules,
and the public privacy page lists both. `tests/privacy/test_declarations.py` fails when a
table holds a reference to a user that no domain declares, so a new table cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Awaitable, Callable, Mapping

from piccolo.table import Table


class OnErase(StrEnum):
    """What erasing an account does to the rows that name the person in one column."""

    DELETE = "delete"
    """The rows go (messages, devices, sessions, preferences…)."""
    ANONYMISE = "anonymise"
    """The rows stay for the neighbourhood, now signed « Ancien membre » (alerts, posts, comments)."""
    DETACH = "detach"
    """The rows stay, no longer linked to the account (the column becomes NULL): a record someone
    else keeps for its own reason (the mairie's register of vulnerable people)."""
    KEEP = "keep"
    """The rows stay as they are, for a stated reason and a limited time (the audit log)."""


@dataclass(frozen=True)
class PersonalData:
    """One column of one table that holds a person's id."""

    table: type[Table]
    column: str
    """The column holding the user id (a ForeignKey to users, or a plain integer)."""
    on_erase: OnErase
    label: str
    """French heading of these rows in « Mes données » and on the privacy page."""
    export: bool = True
    """False: not part of the person's export (their side of someone else's record, e.g. who pinned a post)."""
    hidden: tuple[str, ...] = ()
    """Columns never exported (hashes, tokens, raw image bytes); piccolo's `secret=True` columns are hidden too."""
    scrub: Mapping[str, Any] = field(default_factory=dict)
    """On ANONYMISE, other columns set at the same time (e.g. an idempotency key unique per author)."""
    before_erase: Callable[[int], Awaitable[Any]] | None = None
    """Run with the user id in the erasure's transaction, before these rows are deleted or changed:
    what the rows held for others is given back (a carpool seat returns to the carpool)."""


@dataclass(frozen=True)
class Retention:
    """A rule the daily privacy job applies: rows older than a setting's number of days are removed or blurred."""

    setting: str
    """Name of the `Settings` field holding the number of days."""
    what: str
    """French: what is kept (the privacy page's line)."""
    why: str
    """French: why it is kept that long."""
    apply: Callable[[Any, datetime], Awaitable[int]]
    """Coroutine taking the settings and the cut-off (now minus the days): removes or blurs what is
    older, returns the rows touched. Idempotent: a second run the same day touches nothing."""
