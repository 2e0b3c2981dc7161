"""The one wiring place: every domain of Vigie, in dependency order (lib <- auth <- communities <- features).

The API (`backend/app.py`: routes), the worker (`backend/worker.py`: job functions, periodic
jobs, notification kinds, outbox tasks) and piccolo (`backend/apps.py`, `piccolo_conf.py`:
apps and migrations) read `DOMAINS` and nothing else. To add a domain: write
`backend/<domain>/domain.py` with its `DOMAIN` (see `backend.lib.domain.Domain`) and add one line here.
"""

from __future__ import annotations

from backend.alerts.domain import DOMAIN as alerts
from backend.audit.domain import DOMAIN as audit
from backend.auth.domain import DOMAIN as auth
from backend.checkins.domain import DOMAIN as checkins
from backend.communities.domain import DOMAIN as communities
from backend.delivery.domain import DOMAIN as delivery
from backend.devtools.domain import DOMAIN as devtools
from backend.directory.domain import DOMAIN as directory
from backend.gazette.domain import DOMAIN as gazette
from backend.health.domain import DOMAIN as health
from backend.lib.domain import Domain
from backend.live.domain import DOMAIN as live
from backend.mairie.domain import DOMAIN as mairie
from backend.messages.domain import DOMAIN as messages
from backend.partnership.domain import DOMAIN as partnership
from backend.register.domain import DOMAIN as register
from backend.privacy.domain import DOMAIN as privacy
from backend.open.domain import DOMAIN as open_pages
from backend.verification.domain import DOMAIN as verification

__all__ = ["CORE_PICCOLO_APP", "DOMAINS", "Domain"]

DOMAINS: list[Domain] = [
    health,
    audit,
    auth,
    communities,
    verification,
    delivery,
    alerts,
    live,
    gazette,
    directory,
    messages,
    checkins,
    mairie,
    register,
    partnership,
    privacy,
    open_pages,
    devtools,
]

CORE_PICCOLO_APP = "backend.piccolo_app"
"""The first piccolo app (app_name `vigie`): the tables of auth, communities, verification, alerts
and delivery, one migration history since the first round. The other domains' apps depend on it."""
