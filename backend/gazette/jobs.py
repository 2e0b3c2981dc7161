"""Gazette jobs: none of its own; importing this module registers its notification kinds
(`vigie worker` loads it, see backend/worker.py)."""

from __future__ import annotations

import backend.gazette.notify  # noqa: F401  (registers the Gazette kinds for the fan-out)

FUNCTIONS: dict = {}
