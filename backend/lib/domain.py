"""What a domain hands to the wiring (`backend/domains.py`): one frozen record per domain.

Each domain builds its `DOMAIN` in `backend/<domain>/domain.py`; the API (`app.py`), the
worker (`worker.py`) and piccolo (`apps.py`, `piccolo_conf.py`) read `backend.domains.DOMAINS`
and nothing else, so adding a domain is one `domain.py` and one line in `domains.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, Sequence

from backend.lib.personal_data import PersonalData, Retention

JobFunction = Callable[..., Awaitable[Any]]
Periodic = tuple[float | str, Callable[[dict[str, Any]], Awaitable[Any]]]
"""(interval in seconds, or the name of the setting that holds it; coroutine taking the worker's ctx)."""


@dataclass(frozen=True)
class Domain:
    """The parts of one domain that the API, the worker and piccolo pick up."""

    name: str
    routes: Sequence[Any] = ()
    """Litestar route handlers and controllers (each declares its guard)."""
    job_functions: Mapping[str, Sequence[JobFunction]] = field(default_factory=dict)
    """SAQ job functions by queue name (`backend.lib.queues.QUEUE_NAMES`)."""
    periodic: Sequence[Periodic] = ()
    """Loops every worker process runs (maintenance, schedulers)."""
    notification_kinds: Mapping[str, Any] = field(default_factory=dict)
    """Outbox kind -> handler (`backend.delivery.kinds.KindHandler`): who hears of it and what it says."""
    outbox_tasks: Mapping[str, Callable[[dict[str, Any], int], Awaitable[Any]]] = field(default_factory=dict)
    """Outbox kind -> a single task run instead of a fan-out (mail to the police, a notice to an author)."""
    sms_commands: Sequence[Any] = ()
    """Command words this domain answers in inbound SMS (registrations for `backend.delivery` inbound)."""
    piccolo_app: str | None = None
    """Module path of the domain's piccolo app (its own migrations), or None (tables in the core app)."""
    personal_data: Sequence[PersonalData] = ()
    """Every column of this domain's tables that holds a person's id, and what export and erasure do with it."""
    retention: Sequence[Retention] = ()
    """Rules of the daily privacy job: what of this domain's data is removed or blurred after how long."""
